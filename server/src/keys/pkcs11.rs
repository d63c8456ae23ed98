//! Keys on a PKCS#11 token (an HSM; SoftHSM2 in tests): generated on the token as
//! sensitive and non-extractable, used through `C_Sign` with `CKM_SHA256_RSA_PKCS`. The
//! private key never exists outside the token; only its handle and label are known here.

use std::path::Path;
use std::sync::{Arc, Mutex};

use cryptoki::context::{CInitializeArgs, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use rsa::{BigUint, RsaPublicKey};

use super::{KeyError, KeyFailure, RawSigner};

fn token_error(e: impl std::fmt::Display) -> KeyError {
    KeyError::Token(e.to_string())
}

/// A logged-in session on one token. PKCS#11 modules are process-wide: keep one `Token`
/// per module open at a time (dropping one finalises the module).
pub struct Token {
    // Kept alive for the session's sake; finalized on drop.
    _context: Pkcs11,
    session: Mutex<Session>,
}

impl Token {
    /// Opens the token labelled `label` in the PKCS#11 module at `module` and logs in.
    pub fn open(module: &Path, label: &str, user_pin: &str) -> Result<Token, KeyError> {
        let context = Pkcs11::new(module).map_err(token_error)?;
        context
            .initialize(CInitializeArgs::OsThreads)
            .map_err(token_error)?;
        let slot = find_slot(&context, label)?;
        let session = context.open_rw_session(slot).map_err(token_error)?;
        session
            .login(UserType::User, Some(&AuthPin::new(user_pin.into())))
            .map_err(token_error)?;
        Ok(Token {
            _context: context,
            session: Mutex::new(session),
        })
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while signing leaves the session usable: PKCS#11 calls are atomic.
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Generates an RSA key pair on the token; the private half is sensitive and cannot be
    /// extracted.
    pub fn generate_rsa(&self, label: &str, bits: u64) -> Result<(), KeyError> {
        let public = vec![
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
            Attribute::ModulusBits(bits.into()),
        ];
        let private = vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        self.session()
            .generate_key_pair(&Mechanism::RsaPkcsKeyPairGen, &public, &private)
            .map_err(token_error)?;
        Ok(())
    }

    /// The key pair labelled `label`, for signing.
    pub fn key<'t>(&'t self, label: &str) -> Result<TokenKey<'t>, KeyError> {
        let find = |class: ObjectClass| -> Result<ObjectHandle, KeyError> {
            self.session()
                .find_objects(&[
                    Attribute::Class(class),
                    Attribute::Label(label.as_bytes().to_vec()),
                ])
                .map_err(token_error)?
                .into_iter()
                .next()
                .ok_or_else(|| KeyError::Token(format!("no key labelled {label:?} on the token")))
        };
        Ok(TokenKey {
            token: self,
            private: find(ObjectClass::PRIVATE_KEY)?,
            public: find(ObjectClass::PUBLIC_KEY)?,
        })
    }

    /// The key pair labelled `label`, holding the token: for keys the process keeps, like
    /// the certificate authorities'.
    pub fn shared_key(self: &Arc<Self>, label: &str) -> Result<SharedTokenKey, KeyError> {
        let key = self.key(label)?;
        let public = key.read_public_key()?;
        Ok(SharedTokenKey {
            token: self.clone(),
            label: label.to_owned(),
            private: key.private,
            public,
        })
    }

    /// Whether the token would hand out the private key's value (it must not).
    pub fn private_value_readable(&self, key: &TokenKey<'_>) -> bool {
        self.session()
            .get_attributes(key.private, &[AttributeType::Value])
            .is_ok_and(|attributes| {
                attributes
                    .iter()
                    .any(|a| matches!(a, Attribute::Value(v) if !v.is_empty()))
            })
    }
}

fn find_slot(context: &Pkcs11, label: &str) -> Result<Slot, KeyError> {
    for slot in context.get_slots_with_token().map_err(token_error)? {
        let info = context.get_token_info(slot).map_err(token_error)?;
        if info.label().trim_end() == label {
            return Ok(slot);
        }
    }
    Err(KeyError::Token(format!("no token labelled {label:?}")))
}

/// A key pair on a token.
pub struct TokenKey<'t> {
    token: &'t Token,
    private: ObjectHandle,
    public: ObjectHandle,
}

impl RawSigner for TokenKey<'_> {
    fn public_key(&self) -> Result<RsaPublicKey, KeyFailure> {
        Ok(self.read_public_key()?)
    }

    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyFailure> {
        Ok(self
            .token
            .session()
            .sign(&Mechanism::Sha256RsaPkcs, self.private, message)
            .map_err(token_error)?)
    }
}

impl TokenKey<'_> {
    fn read_public_key(&self) -> Result<RsaPublicKey, KeyError> {
        let attributes = self
            .token
            .session()
            .get_attributes(
                self.public,
                &[AttributeType::Modulus, AttributeType::PublicExponent],
            )
            .map_err(token_error)?;
        let (mut modulus, mut exponent) = (None, None);
        for attribute in attributes {
            match attribute {
                Attribute::Modulus(n) => modulus = Some(BigUint::from_bytes_be(&n)),
                Attribute::PublicExponent(e) => exponent = Some(BigUint::from_bytes_be(&e)),
                _ => {}
            }
        }
        match (modulus, exponent) {
            (Some(n), Some(e)) => RsaPublicKey::new(n, e).map_err(token_error),
            _ => Err(KeyError::Token(
                "the public key has no modulus or exponent".into(),
            )),
        }
    }
}

/// A key pair on a token that keeps the token open as long as it lives.
pub struct SharedTokenKey {
    token: Arc<Token>,
    label: String,
    private: ObjectHandle,
    public: RsaPublicKey,
}

impl SharedTokenKey {
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Read from the token once, when the key was found.
    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }

    /// Whether the token would hand out the private key's value (it must not).
    pub fn private_value_readable(&self) -> bool {
        self.token
            .session()
            .get_attributes(self.private, &[AttributeType::Value])
            .is_ok_and(|attributes| {
                attributes
                    .iter()
                    .any(|a| matches!(a, Attribute::Value(v) if !v.is_empty()))
            })
    }
}

impl RawSigner for SharedTokenKey {
    fn public_key(&self) -> Result<RsaPublicKey, KeyFailure> {
        Ok(self.public.clone())
    }

    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyFailure> {
        Ok(self
            .token
            .session()
            .sign(&Mechanism::Sha256RsaPkcs, self.private, message)
            .map_err(token_error)?)
    }
}
