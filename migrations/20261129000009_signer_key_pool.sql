-- RSA keys made ahead of time for level-1 signers, sealed under the key-encryption key
-- (each bound to its row's id); a key is taken once and re-sealed for its signer.
CREATE TABLE signer_key_pool (
    id         uuid PRIMARY KEY,
    nonce      bytea NOT NULL,
    sealed     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
