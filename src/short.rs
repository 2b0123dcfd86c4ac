//! Copies of a few bytes done with fixed-size loads and stores, in wasm.
//!
//! In wasm, `copy_from_slice` and `fill` of a length not known at compile time become `memory.copy` and
//! `memory.fill`, which V8 runs as a call: about 5.5 ns however short (0.6 ns for two 8-byte loads and stores;
//! a hand-written wasm loop of each in Node 24). A small frame's send made five of them (its masking key drawn and cleared, its header, its
//! payload, its output taken): a 16-byte send went from 153 to 141–148 ns without them. Longer copies, and every copy
//! in native code (where short copies are inlined already), use the standard library.

use alloc::vec::Vec;

/// The longest copy done here.
pub(crate) const MAX: usize = 32;

/// Whether this target's short copies are calls (wasm with bulk memory).
const WASM: bool = cfg!(target_arch = "wasm32");

/// `dst.copy_from_slice(src)`: the lengths must be equal.
#[cfg_attr(not(feature = "getrandom"), allow(dead_code))] // used by OsRng only
#[inline]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    copy_in::<WASM>(dst, src);
}

/// `dst.fill(0)`.
#[cfg_attr(not(feature = "getrandom"), allow(dead_code))] // used by OsRng only
#[inline]
pub(crate) fn zero(dst: &mut [u8]) {
    if dst.len() <= MAX {
        copy(dst, &[0; MAX][..dst.len()]);
    } else {
        dst.fill(0);
    }
}

/// `dst.extend_from_slice(src)`.
#[inline]
pub(crate) fn extend(dst: &mut Vec<u8>, src: &[u8]) {
    extend_in::<WASM>(dst, src);
}

/// `copy`, by fixed-size copies if `SHORT`: two overlapping ones cover every length between a size and twice it.
#[inline]
fn copy_in<const SHORT: bool>(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if !SHORT || n != dst.len() || n > MAX {
        dst.copy_from_slice(src);
    } else if n >= 16 {
        copy_ends::<16>(dst, src, n);
    } else if n >= 8 {
        copy_ends::<8>(dst, src, n);
    } else if n >= 4 {
        copy_ends::<4>(dst, src, n);
    } else if n > 0 {
        // 1 to 3 bytes: the first, the middle and the last cover them.
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// The first and the last `K` bytes of `n` (`K <= n <= 2K`), as fixed-size arrays.
#[inline(always)]
fn copy_ends<const K: usize>(dst: &mut [u8], src: &[u8], n: usize) {
    let head: [u8; K] = src[..K].try_into().unwrap_or([0; K]);
    let tail: [u8; K] = src[n - K..n].try_into().unwrap_or([0; K]);
    if let Ok(d) = <&mut [u8; K]>::try_from(&mut dst[..K]) {
        *d = head;
    }
    if let Ok(d) = <&mut [u8; K]>::try_from(&mut dst[n - K..n]) {
        *d = tail;
    }
}

/// `extend`, if `SHORT` and short: a constant-length append (stores of zero), the bytes over it, the excess cut
/// off.
#[inline]
fn extend_in<const SHORT: bool>(dst: &mut Vec<u8>, src: &[u8]) {
    let n = src.len();
    if !SHORT || n > MAX {
        dst.extend_from_slice(src);
        return;
    }
    let at = dst.len();
    dst.extend_from_slice(&[0; MAX]);
    copy_in::<SHORT>(&mut dst[at..at + n], src);
    dst.truncate(at + n);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_short_length_and_place() {
        let src: Vec<u8> = (1..=40).collect();
        for n in 0..=MAX {
            for at in [0usize, 1, 7] {
                let mut dst = alloc::vec![0xaau8; at + n + 3];
                copy_in::<true>(&mut dst[at..at + n], &src[..n]);
                assert_eq!(&dst[at..at + n], &src[..n], "copy {n} at {at}");
                assert!(dst[..at].iter().chain(&dst[at + n..]).all(|&b| b == 0xaa), "copy {n} at {at} wrote outside");
                copy_in::<true>(&mut dst[at..at + n], &[0; MAX][..n]);
                assert!(dst[at..at + n].iter().all(|&b| b == 0), "zero {n}");
                let mut v = alloc::vec![9u8; at];
                extend_in::<true>(&mut v, &src[..n]);
                assert_eq!(v.len(), at + n);
                assert_eq!(&v[..at], &alloc::vec![9u8; at][..]);
                assert_eq!(&v[at..], &src[..n], "extend {n} after {at}");
            }
        }
    }
}
