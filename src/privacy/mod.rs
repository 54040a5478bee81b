//! Data protection: the register of every column that holds personal data
//! (what it is, why it is kept and for how long).

pub mod register;

pub use register::{Category, Class, Entry, Retention, REGISTER};
