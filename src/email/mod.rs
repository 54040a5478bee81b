//! Email: a transactional outbox written with the change that causes each
//! message, templates that render the messages, and a background sender.

pub mod messages;
pub mod notify;
pub mod outbox;
pub mod schema;
pub mod sender;
