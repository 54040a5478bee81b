//! Passwords (argon2id) and bearer tokens (random, stored only as a hash).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A hash of a random password, verified against when the email is unknown
/// so both refusals cost the same time.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_password("plenary-dummy-password-for-timing").expect("hashing a constant works")
});

pub fn check_password_policy(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    Ok(())
}

/// Hashes the password's Unicode NFC form, so `café` typed with a
/// composed or a combining accent is the same password.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let password: String = password.nfc().collect();
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Verifies a password against a stored hash, or against a dummy hash when
/// there is no account, so timing does not reveal which emails exist. The
/// NFC form is checked first; a hash stored before passwords were
/// normalised matches the password exactly as typed, so it is tried too
/// when the two forms differ.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let hash = stored.unwrap_or(DUMMY_HASH.as_str());
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let matches = |candidate: &str| {
        Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok()
    };
    let normalised: String = password.nfc().collect();
    let ok = matches(&normalised) || (normalised != password && matches(password));
    ok && stored.is_some()
}

/// A new bearer token (256 random bits, URL-safe base64).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 hex digest: how tokens and throttling keys are stored.
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
        assert!(!verify_password("plenary-dummy-password-for-timing", None));
    }

    #[test]
    fn passwords_are_compared_in_nfc() {
        let composed = "caf\u{e9} au lait, s'il vous pla\u{ee}t";
        let decomposed = "cafe\u{301} au lait, s'il vous plai\u{302}t";
        let h = hash_password(decomposed).unwrap();
        assert!(verify_password(composed, Some(&h)));
        assert!(verify_password(decomposed, Some(&h)));
    }

    #[test]
    fn hashes_made_before_normalisation_still_verify() {
        let decomposed = "cafe\u{301} au lait, s'il vous plai\u{302}t";
        let salt = SaltString::generate(&mut OsRng);
        let legacy = Argon2::default()
            .hash_password(decomposed.as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(verify_password(decomposed, Some(&legacy)));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_token());
        assert_eq!(digest(&a).len(), 64);
    }

    #[test]
    fn policy() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("twelve chars").is_ok());
    }
}
