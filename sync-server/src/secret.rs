//! Secrets: device tokens and invite codes (random, stored only as SHA-256 hashes) and passwords (argon2id).

use std::cell::RefCell;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Argon2, Block, Params};
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

thread_local! {
    /// Each hashing thread's argon2 working memory (19 MiB with the default parameters),
    /// allocated once and reused: allocating and freeing it per hash from several threads
    /// leaves the allocator holding hundreds of megabytes after a burst.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// argon2 of `password` and `salt` into `out`, with this thread's reusable working memory.
fn argon2_into(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    BLOCKS.with(|cell| {
        let mut blocks = cell.borrow_mut();
        let needed = argon.params().block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
    })
}

/// Hashes a password with argon2id (default parameters) and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes)?;
    let argon = Argon2::default();
    let len = argon
        .params()
        .output_len()
        .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        argon2_into(&argon, password.as_bytes(), &salt_bytes, out)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(argon.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Checks a password against a stored hash; `None` runs a dummy check so an unknown account
/// takes as long as a wrong password.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$YoHaLTAX4tBaN3SMsD4ZBs+LiFgOFqrODBl+q8ll0Ik";
    let Ok(phc) = PasswordHash::new(stored.unwrap_or(DUMMY)) else {
        return false;
    };
    let ok = (|| {
        let expected = phc.hash?;
        let algorithm = argon2::Algorithm::try_from(phc.algorithm).ok()?;
        let version = phc
            .version
            .map_or(Ok(argon2::Version::default()), argon2::Version::try_from)
            .ok()?;
        let params = Params::try_from(&phc).ok()?;
        let mut salt = [0u8; 64];
        let salt = phc.salt?.decode_b64(&mut salt).ok()?;
        let argon = Argon2::new(algorithm, version, params);
        let got = Output::init_with(expected.len(), |out| {
            argon2_into(&argon, password.as_bytes(), salt, out)
                .map_err(|_| argon2::password_hash::Error::Crypto)
        })
        .ok()?;
        // `Output`'s comparison takes the same time wherever the first difference is.
        Some(got == expected)
    })()
    .unwrap_or(false);
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
        // Hashes made by the argon2 crate's own hasher (older accounts) still verify.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::encode_b64(b"sixteen byte sal").expect("salt");
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_password("correct horse battery", Some(&theirs)));
        assert!(!verify_password("correct horse batterY", Some(&theirs)));
    }
}
