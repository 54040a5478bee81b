//! Guards on every request body, applied before any extractor reads it: a
//! deadline for receiving the whole body (actix's `client_request_timeout`
//! covers only the request head) and a JSON nesting-depth limit, checked as
//! the bytes arrive.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;
use tokio::time::Sleep;

use super::error::ApiError;

/// Why a body was refused while it was being read.
#[derive(Debug, thiserror::Error)]
enum BodyRefused {
    #[error("JSON is nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("the request body was not received within {0} seconds")]
    TooSlow(u64),
}

/// The refusal for a payload error raised by [`guard_body`], if it is one.
pub fn refusal(e: &PayloadError) -> Option<ApiError> {
    let PayloadError::Io(io) = e else {
        return None;
    };
    Some(match io.get_ref()?.downcast_ref::<BodyRefused>()? {
        r @ BodyRefused::TooDeep(_) => ApiError::Malformed(format!("invalid JSON body: {r}")),
        BodyRefused::TooSlow(_) => ApiError::Timeout,
    })
}

/// Middleware: wraps the request body in the guards. Bodies sent with a
/// `Content-Encoding` are decompressed by the extractor after this point, so
/// their depth is bounded by serde_json's own recursion limit (128) instead.
pub fn guard_body<S, B>(
    mut req: ServiceRequest,
    srv: &S,
    max_depth: usize,
    timeout: Duration,
) -> S::Future
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let payload = req.take_payload();
    if matches!(payload, Payload::None) {
        req.set_payload(payload);
    } else {
        let identity = req
            .headers()
            .get(header::CONTENT_ENCODING)
            .is_none_or(|v| v.as_bytes().eq_ignore_ascii_case(b"identity"));
        let guarded: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(GuardedBody {
                inner: payload,
                deadline: Box::pin(tokio::time::sleep(timeout)),
                timeout_secs: timeout.as_secs(),
                depth: identity.then(|| JsonDepth::new(max_depth)),
            });
        req.set_payload(Payload::from(guarded));
    }
    srv.call(req)
}

struct GuardedBody {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    timeout_secs: u64,
    depth: Option<JsonDepth>,
}

impl Stream for GuardedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(depth) = &mut this.depth {
                    if !depth.feed(&chunk) {
                        return Poll::Ready(Some(Err(refused(BodyRefused::TooDeep(depth.max)))));
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    Poll::Ready(Some(Err(refused(BodyRefused::TooSlow(this.timeout_secs)))))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

fn refused(r: BodyRefused) -> PayloadError {
    PayloadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, r))
}

/// Tracks the nesting of `[` and `{` outside strings across chunks. Invalid
/// JSON is left for the parser to refuse.
#[derive(Debug)]
struct JsonDepth {
    max: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl JsonDepth {
    fn new(max: usize) -> Self {
        Self {
            max,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    /// Feeds the next bytes; false once the nesting exceeds the limit.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            if self.in_string {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > self.max {
                        return false;
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::JsonDepth;

    fn fits(max: usize, chunks: &[&str]) -> bool {
        let mut d = JsonDepth::new(max);
        chunks.iter().all(|c| d.feed(c.as_bytes()))
    }

    #[test]
    fn depth_counts_arrays_and_objects() {
        assert!(fits(2, &[r#"{"a": [1, 2]}"#]));
        assert!(!fits(2, &[r#"{"a": [{"b": 1}]}"#]));
        assert!(fits(1, &["[1]", "[2]"]), "siblings do not add up");
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        assert!(fits(1, &[r#"{"a": "[[[{{{"}"#]));
        assert!(fits(1, &[r#"{"a": "\"[[[" }"#]));
        assert!(fits(1, &[r#"{"a": "\\", "b": 1}"#]));
        assert!(!fits(1, &[r#"{"a": "\\", "b": []}"#]));
    }

    #[test]
    fn state_carries_across_chunks() {
        assert!(fits(1, &[r#"{"a": "[["#, r#"[\"#, r#""[" }"#]));
        assert!(!fits(2, &["[[", "[1]]]"]));
    }
}
