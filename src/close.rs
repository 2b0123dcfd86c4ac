//! Close codes and the Close frame payload (RFC 6455 §5.5.1, §7.4).

use core::fmt;

use crate::error::Error;
use crate::utf8;

/// The longest close reason that fits a control frame: 125 bytes minus the 2-byte code (RFC 6455 §5.5).
pub const MAX_REASON_LEN: usize = 123;

/// A WebSocket close status code (RFC 6455 §7.4): an open code space, so a newtype with constants.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose for which the connection was established has been fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: an endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: a protocol error.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: no status code was present. Never sent on the wire (§7.4.1).
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: the connection closed without a Close frame. Never sent on the wire (§7.4.1).
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: data inconsistent with the message type (e.g. invalid UTF-8 in a text message).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message violated the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: the client expected the server to negotiate an extension.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later (IANA registry).
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: a gateway received an invalid response (IANA registry).
    pub const BAD_GATEWAY: Self = Self(1014);
    /// 1015: the TLS handshake failed. Never sent on the wire (§7.4.1).
    pub const TLS_HANDSHAKE: Self = Self(1015);

    /// Whether this code may appear in a Close frame on the wire (RFC 6455 §7.4.1, §7.4.2):
    /// 1000–1003, 1007–1014 (the IANA registry), and 3000–4999 (libraries and applications).
    /// 1004 is reserved, 1005, 1006 and 1015 are for reporting only, everything else is unassigned.
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl fmt::Debug for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloseCode({})", self.0)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> Self {
        code.0
    }
}

/// A parsed Close frame body: a status code and a UTF-8 reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseFrame<'a> {
    /// The status code.
    pub code: CloseCode,
    /// The reason, at most [`MAX_REASON_LEN`] bytes.
    pub reason: &'a str,
}

/// Parses a received Close payload (RFC 6455 §5.5.1).
///
/// An empty payload is a Close without a status (`Ok(None)`). A 1-byte payload is a protocol error,
/// a code not valid on the wire is a protocol error (§7.4), and a reason that is not UTF-8 is 1007 (§8.1).
pub fn parse_payload(payload: &[u8]) -> Result<Option<CloseFrame<'_>>, Error> {
    match payload {
        [] => Ok(None),
        [_] => Err(Error::CloseTooShort),
        [hi, lo, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
            // RFC 6455 §7.4.1: 1005, 1006, 1015 and unassigned codes must not appear on the wire.
            if !code.is_valid_on_wire() {
                return Err(Error::InvalidCloseCode(code.0));
            }
            // RFC 6455 §5.5.1: the reason is UTF-8; §8.1: invalid UTF-8 fails the connection (1007).
            let reason = utf8::validate(reason).map_err(|_| Error::InvalidCloseReason)?;
            Ok(Some(CloseFrame { code, reason }))
        }
    }
}

/// Checks a code and reason an application wants to send, before anything is written.
pub fn check_outgoing(code: CloseCode, reason: &str) -> Result<(), Error> {
    if !code.is_valid_on_wire() {
        return Err(Error::InvalidCloseCode(code.0));
    }
    if reason.len() > MAX_REASON_LEN {
        return Err(Error::CloseReasonTooLong(reason.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn wire_validity_matches_the_registry() {
        let valid = |c: u16| CloseCode(c).is_valid_on_wire();
        for c in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999] {
            assert!(valid(c), "{c} should be valid");
        }
        for c in [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535] {
            assert!(!valid(c), "{c} should be invalid");
        }
    }

    #[test]
    fn parse_payloads() {
        assert_eq!(parse_payload(&[]), Ok(None));
        assert_eq!(parse_payload(&[0x03]), Err(Error::CloseTooShort));
        assert_eq!(
            parse_payload(&[0x03, 0xe8, b'b', b'y', b'e']),
            Ok(Some(CloseFrame { code: CloseCode::NORMAL, reason: "bye" }))
        );
        assert_eq!(parse_payload(&[0x03, 0xed]), Err(Error::InvalidCloseCode(1005)));
        assert_eq!(parse_payload(&[0x03, 0xe8, 0xff]), Err(Error::InvalidCloseReason));
        assert_eq!(Error::InvalidCloseReason.close_code(), Some(CloseCode::INVALID_PAYLOAD));
        assert_eq!(Error::CloseTooShort.close_code(), Some(CloseCode::PROTOCOL_ERROR));
    }

    #[test]
    fn outgoing_checks() {
        assert!(check_outgoing(CloseCode::NORMAL, "").is_ok());
        assert!(check_outgoing(CloseCode::NORMAL, &"x".repeat(123)).is_ok());
        assert_eq!(check_outgoing(CloseCode::NORMAL, &"x".repeat(124)), Err(Error::CloseReasonTooLong(124)));
        assert_eq!(check_outgoing(CloseCode::ABNORMAL, ""), Err(Error::InvalidCloseCode(1006)));
    }
}
