//! Plenary: conference registration and delegate management.
//!
//! Each domain keeps its rules (pure, unit-tested), its queries (`store`)
//! and its operations (`ops`) together; the JSON API (`api`) translates
//! HTTP to those operations and back.

pub mod accounts;
pub mod api;
pub mod app;
pub mod audit;
pub mod checkin;
pub mod cli;
pub mod clock;
pub mod conferences;
pub mod config;
pub mod db;
pub mod deadlines;
pub mod documents;
pub mod email;
pub mod entitlements;
pub mod exports;
pub mod ids;
pub mod invoices;
pub mod metrics;
pub mod ops;
pub mod organisations;
pub mod privacy;
pub mod programme;
pub mod registrations;
pub mod rooms;
pub mod security;
pub mod state;
pub mod submissions;
pub mod values;
pub mod web;
