//! A store path's NAR hash (the SHA-256 of its Nix archive), and the forms
//! it is written in: hexadecimal (what `nix-store --dump-db` prints, and
//! what CycloneDX's `hashes` take) and Nix's base 32 (`sha256:<52
//! characters>`, as in `.narinfo` files and `nix-store --query --hash`).

use eyre::bail;

use crate::core::sbom::store_path::NIX32_ALPHABET;
use crate::core::text::excerpt;

/// A SHA-256 NAR hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NarHash([u8; 32]);

impl NarHash {
    /// Reads 64 hexadecimal digits (either case).
    pub fn from_hex(raw: &str) -> eyre::Result<NarHash> {
        let digits = raw.as_bytes();
        if digits.len() != 64 || !digits.iter().all(u8::is_ascii_hexdigit) {
            bail!(
                "`{}` is not a SHA-256 NAR hash (64 hexadecimal digits)",
                excerpt(raw)
            );
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in digits.chunks(2).enumerate() {
            bytes[i] = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
        }
        Ok(NarHash(bytes))
    }

    /// The 64 lowercase hexadecimal digits.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `sha256:<Nix base 32>`: the `.narinfo` form.
    pub fn nix32(&self) -> String {
        format!("sha256:{}", nix32(&self.0))
    }
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

/// `bytes` in Nix's base 32: 5 bits a character, the last byte first, as
/// Nix's `printHash32` writes hashes and store path hashes.
pub fn nix32(bytes: &[u8]) -> String {
    let len = (bytes.len() * 8).div_ceil(5);
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let bit = n * 5;
        let (i, j) = (bit / 8, bit % 8);
        let low = bytes[i] >> j;
        let high = bytes
            .get(i + 1)
            .map_or(0, |b| b.checked_shl(8 - j as u32).unwrap_or(0));
        out.push(NIX32_ALPHABET[((low | high) & 0x1f) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_nix_prints_agree() {
        // What `nix-store --dump-db` and `nix-store -q --hash` print for
        // one path (Nix 2.8); and `nix hash to-base32` of another.
        let hash =
            NarHash::from_hex("42d7b5c441ca1c5e2e2bb6472940cc710ded7b3f8455053705054f5553649969")
                .unwrap();
        assert_eq!(
            hash.nix32(),
            "sha256:0scrci9makq50lvhamc47xxys3biri02jixn5cp5w76a872bbms2"
        );
        assert_eq!(NarHash::from_hex(&hash.hex().to_uppercase()).unwrap(), hash);
        let other =
            NarHash::from_hex("642f639e6a13fe1256b769b3ff4144f70a90d3bd7c55239d3e592940a25734b8")
                .unwrap();
        assert_eq!(
            other.nix32(),
            "sha256:1f1layi40aar7sfj6mbwpp9r02pp8i0zzcv9nxb15zhkdag66bv4"
        );
    }

    #[test]
    fn bad_hashes_are_refused() {
        for bad in ["", "sha256:abc", &"g".repeat(64), &"0".repeat(63)] {
            assert!(NarHash::from_hex(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nix32_of_a_store_path_hash() {
        // 20 bytes (a store path's hash) give 32 characters.
        assert_eq!(nix32(&[0u8; 20]).len(), 32);
        assert_eq!(nix32(&[0xff; 1]), "7z");
    }

    use proptest::prelude::*;

    /// Nix base 32 as arithmetic: the bytes are a little-endian number,
    /// written most significant digit first.
    fn nix32_by_division(bytes: &[u8]) -> String {
        let mut n = bytes.to_vec();
        let mut digits = Vec::new();
        for _ in 0..(bytes.len() * 8).div_ceil(5) {
            let mut rem = 0u32;
            for b in n.iter_mut().rev() {
                let cur = (rem << 8) | u32::from(*b);
                *b = (cur / 32) as u8;
                rem = cur % 32;
            }
            digits.push(NIX32_ALPHABET[rem as usize] as char);
        }
        digits.iter().rev().collect()
    }

    proptest! {
        #[test]
        fn nix32_is_the_base_32_number(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(nix32(&bytes), nix32_by_division(&bytes));
        }

        #[test]
        fn hex_round_trips(bytes in proptest::array::uniform32(any::<u8>())) {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let hash = NarHash::from_hex(&hex).unwrap();
            prop_assert_eq!(hash.hex(), hex);
            prop_assert_eq!(hash.nix32().len(), "sha256:".len() + 52);
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = NarHash::from_hex(&s);
        }
    }
}
