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
    pub fn parse(&self) -> Result<(i64, Option<String>), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::validation(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let cursor = match &self.cursor {
            None => None,
            Some(c) => Some(
                uuid::Uuid::parse_str(c)
                    .map_err(|_| ApiError::validation("cursor", "is not a cursor from this list"))?
                    .to_string(),
            ),
        };
        Ok((limit, cursor))
    }
}

/// A page of results, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn from_rows<R>(
        rows: Vec<R>,
        limit: i64,
        id: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let (rows, next_cursor) = crate::db::page(rows, limit, id);
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}
