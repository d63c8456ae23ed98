-- The language people read Paraphe in ('fr' or 'en'), for what the server writes to them:
-- emails, SMS, the documents they sign. NULL: not chosen yet, French is used.
-- A user's choice, made in the app (`setMyLanguage`).
ALTER TABLE users ADD COLUMN language text CHECK (language IN ('fr', 'en'));
-- A signer's: set by the preparer, or else by the signer's page from the language it
-- shows them (their choice, or their browser's); the invitation before that is French.
ALTER TABLE signers ADD COLUMN language text CHECK (language IN ('fr', 'en'));
