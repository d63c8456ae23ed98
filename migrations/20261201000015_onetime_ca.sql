-- One-time certificates (a level-1 signer's, the subscription agreement's) come from their
-- own CA under their own policy: the name in them was typed, not verified, and relying
-- parties must be able to tell them from identity-verified LCP certificates.
ALTER TABLE pki_authorities DROP CONSTRAINT pki_authorities_name_check;
ALTER TABLE pki_authorities ADD CONSTRAINT pki_authorities_name_check
    CHECK (name IN ('root', 'lcp', 'qcp', 'seal', 'onetime', 'tsa'));
ALTER TABLE pki_certificates DROP CONSTRAINT pki_certificates_issuer_check;
ALTER TABLE pki_certificates ADD CONSTRAINT pki_certificates_issuer_check
    CHECK (issuer IN ('root', 'lcp', 'qcp', 'seal', 'onetime'));
