//! Data protection: the register of every column that holds personal data
//! (what it is, why it is kept and for how long).

pub mod job;
pub mod register;
pub mod retention;

pub use register::{Category, Class, Entry, Retention, REGISTER};
