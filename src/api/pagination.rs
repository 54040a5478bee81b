//! Cursor pagination: `limit` (default 50, at most 500) and `cursor`.

use serde::{Deserialize, Serialize};

use super::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page size and the cursor, as the id type the list is ordered by.
    pub fn parse<I: std::str::FromStr>(&self) -> Result<(i64, Option<I>), ApiError> {
        parse(self.limit, self.cursor.as_deref())
    }
}

/// A page size and cursor from a list's own query parameters.
pub fn parse<I: std::str::FromStr>(
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(i64, Option<I>), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let cursor = match cursor {
        None => None,
        Some(c) => Some(
            c.parse()
                .map_err(|_| ApiError::validation("cursor", "is not a cursor from this list"))?,
        ),
    };
    Ok((limit, cursor))
}

/// A page of results, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from `limit + 1` rows: the extra row only tells that there
    /// is a next page.
    pub fn from_rows<R, C: ToString>(
        rows: Vec<R>,
        limit: i64,
        id: impl Fn(&R) -> C,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let (rows, next_cursor) = crate::ops::page(rows, limit, id);
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor: next_cursor.map(|c| c.to_string()),
        }
    }
}
