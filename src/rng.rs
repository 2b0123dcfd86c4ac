//! The randomness the protocol needs, injected: masking keys (RFC 6455 §5.3, §10.3) and `Sec-WebSocket-Key` (§4.1).
//!
//! The state machine never reaches for a random source by itself; it asks the [`Rng`] it was given.

use crate::error::Error;

/// A source of unpredictable bytes. Masking keys must come from a cryptographically strong source
/// (RFC 6455 §10.3): a predictable key lets a script choose the bytes a proxy sees.
pub trait Rng {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error>;
}

impl<R: Rng + ?Sized> Rng for &mut R {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        (**self).fill(dest)
    }
}

/// The operating system's CSPRNG through `getrandom` (`crypto.getRandomValues` on wasm32),
/// drawn `N` bytes at a time (256 by default) so that masking a small frame costs no system (or JS) call.
#[cfg(feature = "getrandom")]
#[derive(Clone)]
pub struct OsRng<const N: usize = 256> {
    pool: [u8; N],
    pos: usize,
}

#[cfg(feature = "getrandom")]
impl OsRng {
    /// A source whose pool (256 bytes) is filled on first use.
    pub const fn new() -> Self {
        Self::with_pool()
    }
}

#[cfg(feature = "getrandom")]
impl<const N: usize> OsRng<N> {
    /// A source drawing `N` bytes from the OS at a time, filled on first use.
    pub const fn with_pool() -> Self {
        Self { pool: [0; N], pos: N }
    }
}

#[cfg(feature = "getrandom")]
impl Default for OsRng {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "getrandom")]
impl<const N: usize> core::fmt::Debug for OsRng<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OsRng")
    }
}

#[cfg(feature = "getrandom")]
impl<const N: usize> OsRng<N> {
    /// [`Rng::fill`], drawing from `source` instead of `getrandom` (the wasm layer's runtime-provided source).
    pub(crate) fn fill_from(
        &mut self,
        dest: &mut [u8],
        mut source: impl FnMut(&mut [u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if dest.len() > self.pool.len() {
            return source(dest);
        }
        if self.pool.len() - self.pos < dest.len() {
            source(&mut self.pool)?;
            self.pos = 0;
        }
        let bytes = &mut self.pool[self.pos..self.pos + dest.len()];
        crate::short::copy(dest, bytes);
        // Each byte is handed out once.
        crate::short::zero(bytes);
        self.pos += dest.len();
        Ok(())
    }
}

#[cfg(feature = "getrandom")]
impl<const N: usize> Rng for OsRng<N> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.fill_from(dest, |buf| getrandom::fill(buf).map_err(|_| Error::Random))
    }
}

#[cfg(all(test, feature = "getrandom"))]
mod tests {
    use super::*;

    #[test]
    fn keys_differ() {
        let mut rng = OsRng::new();
        let mut seen = alloc::collections::BTreeSet::new();
        for _ in 0..1000 {
            let mut key = [0u8; 4];
            rng.fill(&mut key).unwrap();
            seen.insert(key);
        }
        // 1000 draws from 2^32: a collision is ~1e-4 likely; far fewer distinct keys means a broken pool.
        assert!(seen.len() >= 998, "{} distinct keys of 1000", seen.len());
    }
}
