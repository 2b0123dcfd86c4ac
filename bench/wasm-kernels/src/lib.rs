//! Raw wasm exports (no wasm-bindgen) of hybi's kernels, for the JS harness's "no copies" rows and the simd128
//! comparison: the caller writes into wasm memory at `buf()` itself, so nothing crosses the boundary per call but
//! two integers. Built twice by scripts/bench.sh: with and without `-Ctarget-feature=+simd128`.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::cell::UnsafeCell;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

struct Bump;
// SAFETY: single-threaded wasm; a grow-only allocator is enough for one buffer that lives as long as the module.
unsafe impl core::alloc::GlobalAlloc for Bump {
    unsafe fn alloc(&self, l: core::alloc::Layout) -> *mut u8 {
        let pages = (l.size() + l.align() + 0xffff) >> 16;
        let base = core::arch::wasm32::memory_grow(0, pages);
        if base == usize::MAX {
            return core::ptr::null_mut();
        }
        let p = base << 16;
        ((p + l.align() - 1) & !(l.align() - 1)) as *mut u8
    }
    unsafe fn dealloc(&self, _: *mut u8, _: core::alloc::Layout) {}
}
#[global_allocator]
static ALLOC: Bump = Bump;

struct Buf(UnsafeCell<Vec<u8>>);
// SAFETY: wasm32 without threads.
unsafe impl Sync for Buf {}
static BUF: Buf = Buf(UnsafeCell::new(Vec::new()));

fn buf() -> &'static mut Vec<u8> {
    // SAFETY: single-threaded; no reference to it outlives a call.
    unsafe { &mut *BUF.0.get() }
}

/// Makes the scratch buffer `len` bytes long and returns its address (JS writes its input there).
#[no_mangle]
pub extern "C" fn reserve(len: usize) -> *mut u8 {
    let b = buf();
    if b.len() < len {
        b.resize(len, 0);
    }
    b.as_mut_ptr()
}

/// hybi::mask::apply on the first `len` bytes of the buffer.
#[no_mangle]
pub extern "C" fn mask(len: usize, key: u32, offset: usize) {
    hybi::mask::apply(&mut buf()[..len], key.to_le_bytes(), offset);
}

/// hybi::mask::apply_copy from the buffer at `src` into the buffer at `dst` (non-overlapping ranges, `len` each).
#[no_mangle]
pub extern "C" fn mask_copy(dst: usize, src: usize, len: usize, key: u32) {
    let b = buf();
    let (lo, hi) = b.split_at_mut(dst);
    hybi::mask::apply_copy(&mut hi[..len], &lo[src..src + len], key.to_le_bytes(), 0);
}

/// hybi::utf8::validate on the first `len` bytes: 1 if valid UTF-8.
#[no_mangle]
pub extern "C" fn utf8_valid(len: usize) -> u32 {
    hybi::utf8::validate(&buf()[..len]).is_ok() as u32
}
