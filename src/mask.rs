//! Payload masking (RFC 6455 §5.3): `byte[i] ^= key[i mod 4]`.
//!
//! Done a machine word at a time, written so that LLVM vectorises it natively without `unsafe`. In wasm,
//! `simd128` was measured not to pay for masking (bench/, `make bench`): one build ships, without it.

/// XORs `buf` in place with the masking `key`, as if `buf` started at byte `offset` of the payload.
///
/// Masking is its own inverse: the same call unmasks.
///
/// ```
/// let mut data = *b"Hello";
/// hybi::mask::apply(&mut data, [0x37, 0xfa, 0x21, 0x3d], 0);
/// assert_eq!(data, [0x7f, 0x9f, 0x4d, 0x51, 0x58]); // RFC 6455 §5.7
/// ```
// Not inlined in the wasm, where each copy costs bytes of the download (0.2 KB gzip'd with four callers) and a
// call costs nothing next to masking.
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[cfg_attr(not(target_arch = "wasm32"), inline)]
pub fn apply(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate(key, offset);
    let word = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    // Whole 8-byte words as arrays: no bounds checks and no per-word copy call, even at opt-level "z".
    let (words, tail) = buf.as_chunks_mut::<8>();
    for w in words {
        *w = (u64::from_ne_bytes(*w) ^ word).to_ne_bytes();
    }
    // The tail starts at a multiple of 8, so the key phase is unchanged.
    for (i, b) in tail.iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// Copies `src` into `dst` masking on the way: one pass instead of copy + mask. Only the common length
/// (`min(dst.len(), src.len())`) is written.
#[inline]
pub fn apply_copy(dst: &mut [u8], src: &[u8], key: [u8; 4], offset: usize) {
    let n = dst.len().min(src.len());
    let key = rotate(key, offset);
    let word = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let (dw, dt) = dst[..n].as_chunks_mut::<8>();
    let (sw, st) = src[..n].as_chunks::<8>();
    for (d, s) in dw.iter_mut().zip(sw) {
        *d = (u64::from_ne_bytes(*s) ^ word).to_ne_bytes();
    }
    for (i, (d, s)) in dt.iter_mut().zip(st).enumerate() {
        *d = s ^ key[i & 3];
    }
}

/// The key as seen from payload byte `offset`.
#[inline]
fn rotate(key: [u8; 4], offset: usize) -> [u8; 4] {
    let r = offset & 3;
    [key[r], key[(r + 1) & 3], key[(r + 2) & 3], key[(r + 3) & 3]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn naive(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn matches_the_definition_at_every_length_and_offset() {
        let key = [0x12, 0x34, 0x56, 0x78];
        for len in 0..100 {
            for offset in 0..8 {
                let orig: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                let mut a = orig.clone();
                let mut b = orig.clone();
                apply(&mut a, key, offset);
                naive(&mut b, key, offset);
                assert_eq!(a, b, "len {len} offset {offset}");
                let mut c = alloc::vec![0u8; len];
                apply_copy(&mut c, &orig, key, offset);
                assert_eq!(c, b, "copy: len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn split_application_equals_whole() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        let orig: Vec<u8> = (0..200u8).collect();
        let mut whole = orig.clone();
        apply(&mut whole, key, 0);
        for split in 0..orig.len() {
            let mut parts = orig.clone();
            let (a, b) = parts.split_at_mut(split);
            apply(a, key, 0);
            apply(b, key, split);
            assert_eq!(parts, whole, "split at {split}");
        }
    }
}
