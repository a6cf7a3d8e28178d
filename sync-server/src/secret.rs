//! Secrets: device tokens and invite codes (random, stored only as SHA-256 hashes) and passwords (argon2id).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use carecircle_shared::limits::{INVITE_CODE_ALPHABET, INVITE_CODE_CHARS};
use rand::Rng;
use sha2::{Digest, Sha256};

/// A fresh 256-bit bearer token, URL-safe base64.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh invite code from the unambiguous alphabet.
pub fn new_invite_code() -> String {
    let mut rng = rand::rng();
    (0..INVITE_CODE_CHARS)
        .map(|_| INVITE_CODE_ALPHABET[rng.random_range(0..INVITE_CODE_ALPHABET.len())] as char)
        .collect()
}

/// Normalises a typed invite code: upper case, spaces and dashes removed.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The stored form of a token or invite code.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a stored hash; `None` runs a dummy check so an unknown account
/// takes as long as a wrong password.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$YoHaLTAX4tBaN3SMsD4ZBs+LiFgOFqrODBl+q8ll0Ik";
    let Ok(hash) = PasswordHash::new(stored.unwrap_or(DUMMY)) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok();
    ok && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_codes_are_random_and_hash_stably() {
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 43);
        let code = new_invite_code();
        assert_eq!(code.len(), INVITE_CODE_CHARS);
        assert!(code.bytes().all(|b| INVITE_CODE_ALPHABET.contains(&b)));
        assert_eq!(normalise_code(" abcd-efgh "), "ABCDEFGH");
        assert_eq!(hash_secret("x"), hash_secret("x"));
        assert_ne!(hash_secret("x"), hash_secret("y"));
    }

    #[test]
    fn passwords_use_argon2id() {
        let stored = hash_password("correct horse battery").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&stored)));
        assert!(!verify_password("wrong", Some(&stored)));
        assert!(!verify_password("anything", None));
    }
}
