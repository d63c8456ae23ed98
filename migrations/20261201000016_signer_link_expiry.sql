-- Each signer link gets its own expiry and purpose, and keeps its token sealed under the
-- key-encryption key (AES-GCM, bound to the signer): a reminder re-sends the link the
-- signer already holds instead of adding one more live credential. The SHA-256 of the
-- token still identifies the link; a database dump alone gives no token back.
ALTER TABLE signer_links
    ADD COLUMN purpose text NOT NULL DEFAULT 'invitation'
        CHECK (purpose IN ('invitation', 'completion')),
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN token_nonce bytea,
    ADD COLUMN token_sealed bytea,
    ADD CHECK ((token_nonce IS NULL) = (token_sealed IS NULL));

-- Links from before this migration keep what they allowed: signing until the collection
-- expires, downloads until the purge one month after it ended.
UPDATE signer_links l
   SET expires_at = CASE
           WHEN c.ended_at IS NOT NULL THEN c.ended_at + interval '30 days'
           ELSE COALESCE(c.expires_at, now() + interval '15 days')
       END
  FROM signers s JOIN collections c ON c.id = s.collection_id
 WHERE s.id = l.signer_id;

ALTER TABLE signer_links
    ALTER COLUMN expires_at SET NOT NULL,
    ALTER COLUMN purpose DROP DEFAULT;

CREATE INDEX signer_links_by_signer ON signer_links (signer_id, purpose, expires_at DESC);
CREATE INDEX signer_links_by_expiry ON signer_links (expires_at);
