//! Email: a transactional outbox written with the change that causes each
//! message, templates that render the messages, a background sender, and
//! the staff's view of the outbox.

pub mod headers;
pub mod messages;
pub mod notify;
pub mod ops;
pub mod outbox;
pub mod schema;
pub mod sender;
