//! `hybi::mask::apply` / `apply_copy` against the definition (RFC 6455 §5.3: `byte[i] ^= key[i mod 4]`)
//! at any offset, any length, split anywhere.
//!
//! Input layout: 4 bytes key, 8 bytes offset (little-endian), 2 bytes split point; the rest is the payload.
#![no_main]

use hybi::mask::{apply, apply_copy};
use libfuzzer_sys::fuzz_target;

fn naive(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[offset.wrapping_add(i) % 4];
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, payload)) = data.split_first_chunk::<14>() else { return };
    let key = [head[0], head[1], head[2], head[3]];
    let offset = u64::from_le_bytes(head[4..12].try_into().unwrap()) as usize;
    let split = usize::from(u16::from_le_bytes([head[12], head[13]])) % (payload.len() + 1);

    let mut expected = payload.to_vec();
    naive(&mut expected, key, offset);

    let mut whole = payload.to_vec();
    apply(&mut whole, key, offset);
    assert_eq!(whole, expected, "apply: len {} offset {offset}", payload.len());

    // Two calls on the two halves, the second at the offset where the first stopped.
    let mut parts = payload.to_vec();
    let (a, b) = parts.split_at_mut(split);
    apply(a, key, offset);
    apply(b, key, offset.wrapping_add(split));
    assert_eq!(parts, expected, "split at {split}, offset {offset}");

    let mut copied = vec![0u8; payload.len()];
    apply_copy(&mut copied, payload, key, offset);
    assert_eq!(copied, expected, "apply_copy: len {} offset {offset}", payload.len());

    // Masking is its own inverse.
    apply(&mut whole, key, offset);
    assert_eq!(whole, payload, "unmasking did not restore the payload");
});
