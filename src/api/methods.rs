//! Which methods each path answers, read from the served OpenAPI document,
//! so that a request for a path that exists with a method it does not
//! support is told 405 with `Allow`, not 404.

use std::sync::Arc;

use utoipa::openapi::OpenApi;

/// Paths served outside the documented API, with their methods.
const UNDOCUMENTED: &[(&str, &str)] = &[("/api/v1/openapi.json", "GET"), ("/docs", "GET")];

/// Each path template (`/api/v1/conferences/{id}`) and its `Allow` value.
#[derive(Debug, Clone)]
pub struct PathMethods(Arc<Vec<(String, String)>>);

impl PathMethods {
    pub fn from_document(doc: &OpenApi) -> Self {
        let mut paths: Vec<(String, String)> = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("OPTIONS", item.options.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, served)| served.then_some(method))
                .collect();
                (template.clone(), methods.join(", "))
            })
            .collect();
        paths.extend(
            UNDOCUMENTED
                .iter()
                .map(|(path, methods)| ((*path).to_owned(), (*methods).to_owned())),
        );
        Self(Arc::new(paths))
    }

    /// The `Allow` value for a request path, if some template matches it.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(template, _)| matches(template, path))
            .map(|(_, methods)| methods.as_str())
    }
}

/// Whether `path` fits `template`, segment by segment; a `{name}` segment
/// matches any one non-empty segment (`{name}.pdf`, any ending in `.pdf`).
fn matches(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(want), Some(got)) => {
                let suffix = want
                    .strip_prefix('{')
                    .and_then(|w| w.split_once('}'))
                    .map(|(_, suffix)| suffix);
                let fits = suffix.is_some_and(|s| got.len() > s.len() && got.ends_with(s));
                if !(want == got || fits) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_whole_segments() {
        let t = "/api/v1/conferences/{id}/quote";
        assert!(matches(t, "/api/v1/conferences/0190c0de/quote"));
        assert!(!matches(t, "/api/v1/conferences//quote"));
        assert!(!matches(t, "/api/v1/conferences/0190c0de/quote/"));
        assert!(!matches(t, "/api/v1/conferences/0190c0de"));
        assert!(!matches(t, "/api/v1/conferences/0190c0de/quote/x"));
        assert!(matches("/healthz", "/healthz"));
        assert!(!matches("/healthz", "/healthz.json"));
    }

    #[test]
    fn methods_come_from_the_document() {
        let methods = PathMethods::from_document(&crate::api::openapi_document());
        assert_eq!(methods.allowed("/api/v1/conferences"), Some("GET, POST"));
        assert_eq!(
            methods.allowed("/api/v1/conferences/0190c0de-0000-7000-8000-000000000000"),
            Some("GET, PATCH")
        );
        assert_eq!(methods.allowed("/api/v1/auth/login"), Some("POST"));
        assert_eq!(methods.allowed("/api/v1/openapi.json"), Some("GET"));
        assert_eq!(methods.allowed("/api/v1/nowhere"), None);
    }
}
