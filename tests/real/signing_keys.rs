//! The signing-key parser (`blumeops_ci::signing::SigningKey`) on keys made
//! independently of it (`tests/fixtures/signing/make-keys`: openssl, and
//! Python's hashlib.scrypt with PyNaCl for cosign's encrypted format), its
//! signatures checked by openssl and openssl's checked by it, every refused
//! kind of key, and the parser fuzzed: any bytes, any PEM shape, every
//! one-byte change of a real key; it never panics and never accepts a key
//! other than the one the file holds.

use crate::harness::registry as support;

use std::path::PathBuf;
use std::process::Command;

use blumeops_ci::signing::{KeyErrorKind, PublicKey, SigningKey};
use proptest::prelude::*;

/// The fixtures' password (`make-keys`).
const PASSWORD: &[u8] = b"correct horse battery staple";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/signing")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn public(name: &str) -> PublicKey {
    PublicKey::from_pem(&fixture(name)).unwrap()
}

fn refused(name: &str, password: Option<&[u8]>) -> (KeyErrorKind, String) {
    let err = SigningKey::from_pem(&fixture(name), password).unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains("correct horse") && !text.contains("MIG") && !text.contains("eyJ"),
        "the message holds the password or key material: {text}"
    );
    (err.kind, text)
}

#[test]
fn cosign_keys_open_with_their_password_and_hold_openssls_key() {
    let expected = public("p256-public.pem");
    for name in ["cosign.key", "cosign-legacy.key"] {
        let key = SigningKey::from_pem(&fixture(name), Some(PASSWORD)).unwrap();
        assert_eq!(key.public_key(), expected, "{name}");
        // The PEM it writes is openssl's, byte for byte.
        assert_eq!(
            key.public_key().to_pem().as_bytes(),
            fixture("p256-public.pem")
        );
    }
    let key = SigningKey::from_pem(&fixture("cosign-empty-password.key"), Some(b"")).unwrap();
    assert_eq!(key.public_key(), expected);
    let debug = format!("{key:?}");
    assert!(
        debug.contains("sha256:") && !debug.contains("secret"),
        "{debug}"
    );
}

#[test]
fn unencrypted_pkcs8_and_sec1_keys() {
    let key = SigningKey::from_pem(&fixture("p256-pkcs8.pem"), None).unwrap();
    assert_eq!(key.public_key(), public("p256-public.pem"));
    // A password given for an unencrypted key is not needed, and harmless.
    assert!(SigningKey::from_pem(&fixture("p256-pkcs8.pem"), Some(PASSWORD)).is_ok());
    let key = SigningKey::from_pem(&fixture("p256-sec1.pem"), None).unwrap();
    assert_eq!(key.public_key(), public("p256-sec1-public.pem"));
    // CRLF line ends, and text around the block.
    let crlf = String::from_utf8(fixture("p256-pkcs8.pem"))
        .unwrap()
        .replace('\n', "\r\n");
    let wrapped = format!("the key:\r\n{crlf}\r\n-- end --\r\n");
    assert!(SigningKey::from_pem(wrapped.as_bytes(), None).is_ok());
}

#[test]
fn bad_keys_are_named() {
    let (kind, text) = refused("cosign.key", Some(b"not the password"));
    assert_eq!(kind, KeyErrorKind::WrongPassword, "{text}");
    assert!(
        text.contains("wrong password") && text.contains("--signing-key-password"),
        "{text}"
    );
    let (kind, text) = refused("cosign.key", None);
    assert_eq!(kind, KeyErrorKind::PasswordNeeded, "{text}");
    for (name, found) in [
        ("rsa-pkcs8.pem", "RSA"),
        ("rsa-pkcs1.pem", "RSA"),
        ("ed25519-pkcs8.pem", "Ed25519"),
        ("p384-pkcs8.pem", "P-384"),
    ] {
        let (kind, text) = refused(name, Some(PASSWORD));
        assert_eq!(kind, KeyErrorKind::OtherKeyType, "{name}: {text}");
        assert!(
            text.contains(found) && text.contains("P-256"),
            "{name}: {text}"
        );
    }
    for name in ["p256-public.pem", "rsa-public.pem"] {
        let (kind, text) = refused(name, Some(PASSWORD));
        assert_eq!(kind, KeyErrorKind::PublicKeyGiven, "{name}: {text}");
        assert!(
            text.contains("public key") && text.contains("--signing-key"),
            "{text}"
        );
    }
    let (kind, text) = refused("corrupt.pem", None);
    assert_eq!(kind, KeyErrorKind::CorruptPem, "{text}");
    let (kind, text) = refused("cosign-huge-n.key", Some(PASSWORD));
    assert_eq!(kind, KeyErrorKind::UnsupportedKdf, "{text}");
    assert!(text.contains("N=1048576"), "{text}");
    let (kind, text) = refused("p256-pkcs8-encrypted.pem", Some(PASSWORD));
    assert_eq!(kind, KeyErrorKind::UnsupportedFormat, "{text}");
    let err = SigningKey::from_pem(b"/home/me/cosign.key", None).unwrap_err();
    assert_eq!(err.kind, KeyErrorKind::NotPem);
    // A damaged envelope: valid PEM around JSON that is not cosign's.
    let pem = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n";
    let err = SigningKey::from_pem(pem.as_bytes(), Some(PASSWORD)).unwrap_err();
    assert_eq!(err.kind, KeyErrorKind::CorruptEncryptedKey, "{err}");
    // A public key is read from its own PEM only.
    assert_eq!(
        PublicKey::from_pem(&fixture("p256-pkcs8.pem"))
            .unwrap_err()
            .kind,
        KeyErrorKind::UnsupportedFormat
    );
    assert_eq!(
        PublicKey::from_pem(&fixture("rsa-public.pem"))
            .unwrap_err()
            .kind,
        KeyErrorKind::OtherKeyType
    );
}

#[test]
fn signatures_verify_with_openssl_both_ways() {
    if !support::tools_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let message = b"{\"critical\":{}}";
    std::fs::write(d.join("msg"), message).unwrap();
    let key = SigningKey::from_pem(&fixture("cosign.key"), Some(PASSWORD)).unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signing");
    let message_sig = key.sign(message);
    let verify =
        |public: &str| support::openssl_verifies(d, &fixtures.join(public), message, &message_sig);
    assert!(
        verify("p256-public.pem"),
        "openssl refuses the module's signature"
    );
    assert!(
        !verify("other-p256-public.pem"),
        "openssl accepts another key"
    );
    // openssl's signature, checked by the module.
    support::run(
        Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(fixtures.join("p256-pkcs8.pem"))
            .arg("-out")
            .arg(d.join("openssl.der"))
            .arg(d.join("msg")),
    );
    let theirs = std::fs::read(d.join("openssl.der")).unwrap();
    assert!(public("p256-public.pem").verify(message, &theirs));
    assert!(!public("other-p256-public.pem").verify(message, &theirs));
    assert!(!public("p256-public.pem").verify(b"another message", &theirs));
}

const LABELS: [&str; 9] = [
    "ENCRYPTED SIGSTORE PRIVATE KEY",
    "ENCRYPTED COSIGN PRIVATE KEY",
    "PRIVATE KEY",
    "EC PRIVATE KEY",
    "RSA PRIVATE KEY",
    "PUBLIC KEY",
    "ENCRYPTED PRIVATE KEY",
    "EC PARAMETERS",
    "X",
];

fn pem(label: &str, body: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let b64 = Base64::encode_string(body);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The DER inside a fixture's (single) PEM block.
fn der_of(name: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    let text = String::from_utf8(fixture(name)).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    Base64::decode_vec(&body).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_refused_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(SigningKey::from_pem(&bytes, Some(PASSWORD)).is_err());
        prop_assert!(PublicKey::from_pem(&bytes).is_err());
    }

    #[test]
    fn any_pem_shape_is_refused_without_a_panic(
        label in proptest::sample::select(&LABELS[..]),
        body in proptest::collection::vec(any::<u8>(), 0..300),
        json in proptest::bool::ANY,
    ) {
        // Random DER, or random cosign-like JSON.
        let body = if json {
            format!(
                r#"{{"kdf":{{"name":"scrypt","params":{{"N":{},"r":8,"p":1}},"salt":"{}"}},"cipher":{{"name":"nacl/secretbox","nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},"ciphertext":"{}"}}"#,
                body.first().map_or(0, |b| u64::from(*b) << 10),
                String::from_utf8_lossy(&body).replace(['"', '\\'], ""),
                body.len()
            ).into_bytes()
        } else {
            body
        };
        let text = pem(label, &body);
        prop_assert!(SigningKey::from_pem(text.as_bytes(), Some(PASSWORD)).is_err());
        prop_assert!(SigningKey::from_pem(text.as_bytes(), None).is_err());
        let _ = PublicKey::from_pem(text.as_bytes());
    }

    /// Every one-byte change of a real unencrypted key: refused, or the
    /// same key (a change the format ignores); never another key.
    #[test]
    fn a_changed_pkcs8_key_is_never_another_key(at in 0usize..200, xor in 1u8..=255) {
        let original = public("p256-public.pem");
        let mut der = der_of("p256-pkcs8.pem");
        let i = at % der.len();
        der[i] ^= xor;
        if let Ok(key) = SigningKey::from_pem(pem("PRIVATE KEY", &der).as_bytes(), None) {
            prop_assert_eq!(key.public_key(), original, "byte {} ^ {}", i, xor);
        }
    }
}

proptest! {
    // Each case may run scrypt (N = 2^15): few cases.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// A one-byte change of an encrypted cosign key is refused (the
    /// secretbox tag, or the JSON, or the PEM), never opened as a key.
    #[test]
    fn a_changed_cosign_key_is_refused(at in 0usize..400, xor in 1u8..=255) {
        let mut body = der_of("cosign-legacy.key");
        let i = at % body.len();
        body[i] ^= xor;
        let text = pem("ENCRYPTED SIGSTORE PRIVATE KEY", &body);
        match SigningKey::from_pem(text.as_bytes(), Some(PASSWORD)) {
            Err(_) => {}
            Ok(key) => prop_assert_eq!(key.public_key(), public("p256-public.pem"), "byte {} ^ {}", i, xor),
        }
    }
}
