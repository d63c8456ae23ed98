-- The certificate authorities' keys may live on a PKCS#11 token: the row then names the
-- key by its label on the token and holds no sealed key.
ALTER TABLE pki_authorities ADD COLUMN key_token_label text;
ALTER TABLE pki_authorities ALTER COLUMN key_nonce DROP NOT NULL;
ALTER TABLE pki_authorities ALTER COLUMN key_sealed DROP NOT NULL;
ALTER TABLE pki_authorities ADD CONSTRAINT pki_authorities_one_key_place
    CHECK ((key_nonce IS NOT NULL AND key_sealed IS NOT NULL AND key_token_label IS NULL)
        OR (key_nonce IS NULL AND key_sealed IS NULL AND key_token_label IS NOT NULL));
