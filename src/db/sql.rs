//! Enums stored as `TEXT` (each column has a `CHECK` listing the values):
//! one definition gives the Rust enum, its text, its JSON form and its
//! column mapping on both backends, so a misspelt status cannot compile.

/// Defines an enum whose variants are stored and sent as the given texts,
/// which must be the variants' names in snake case (what serde and the API
/// document use; `tests/architecture.rs` checks every enum).
///
/// ```ignore
/// text_enum! {
///     /// Where a delegate's place stands.
///     pub enum DelegateStatus { Active = "active", Cancelled = "cancelled" }
/// }
/// ```
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and sent text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value a text names, if any.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The texts, for messages such as "must be one of: …".
            pub fn choices() -> String {
                [$($text),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::db::sql::text_column!($name, |s: &str| $name::parse(s).ok_or(()));
    };
}

pub(crate) use text_enum;

/// Maps a type to a `TEXT` column on every backend, through its
/// `as_str()` and the given parser (`&str -> Result<Self, _>`).
macro_rules! text_column {
    ($name:ident, $parse:expr) => {
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                ($parse)(&s)
                    .map_err(|_| format!(concat!("not a ", stringify!($name), ": {:?}"), s).into())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }
    };
}

pub(crate) use text_column;

diesel::define_sql_function! {
    /// SQL `lower`: ASCII case folding on SQLite, full on PostgreSQL.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The escape character of [`contains_pattern`].
pub const LIKE_ESCAPE: char = '\\';

/// A `LIKE` pattern matching text that contains `needle` (lower-cased, so
/// compare it with `lower(column)`), its `%`, `_` and `\\` taken literally
/// when used with `.escape(LIKE_ESCAPE)`.
pub fn contains_pattern(needle: &str) -> String {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
