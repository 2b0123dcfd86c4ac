//! # hybi
//!
//! A WebSocket (RFC 6455) implementation that does no I/O: bytes in, events out; calls in, bytes out.
//! `#![no_std]` + `alloc`, so the same core runs natively, in WebAssembly and on bare metal.
//!
#![cfg_attr(feature = "getrandom", doc = include_str!("../docs/example.md"))]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod close;
pub mod connection;
#[cfg(feature = "deflate")]
pub mod deflate;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod inspect;
pub mod mask;
pub mod rng;
mod short;
pub mod utf8;

pub use close::{CloseCode, CloseFrame};
pub use connection::{Config, Connection, Event, Role};
pub use error::{Error, Rejection};
pub use frame::OpCode;
#[cfg(feature = "getrandom")]
pub use rng::OsRng;
pub use rng::Rng;
#[cfg(all(target_arch = "wasm32", feature = "getrandom"))]
pub mod wasm;

/// The README's Rust example is compiled and run as a doc test.
#[cfg(all(doctest, feature = "getrandom"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
