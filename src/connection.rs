//! (being written)
#![allow(missing_docs)]
pub struct Config;
pub struct Connection;
pub enum Event {}
pub enum Role {
    Client,
    Server,
}
