-- Contacts as accountants keep them: the client's reference in the cabinet's own books
-- (a client code, a file number) and the company they sign for; empty when there is none.
-- The bounds are the app's (paraphe_shared::{ClientReference, Company}), kept here too so
-- that no other path stores more.
ALTER TABLE contacts
    ADD COLUMN client_reference text NOT NULL DEFAULT ''
        CHECK (char_length(client_reference) <= 50),
    ADD COLUMN company text NOT NULL DEFAULT ''
        CHECK (char_length(company) <= 200);

-- What a search compares: lower case without French accents, so that « helene » finds
-- « Hélène » and « societe » « SOCIÉTÉ ». translate() rather than the unaccent extension:
-- nothing to install, and immutable; capitals with accents are listed too because lower()
-- leaves them as they are under the C locale. A cabinet's contacts are a few thousand at most, and
-- the search reads only them (by the (cabinet_id, …) indexes), so a sequential scan of that
-- slice is fast enough without a trigram index.
CREATE FUNCTION contact_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate(lower($1),
                        'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸŒÆ',
                        'aaaaaaceeeeiiiinooooouuuuyyoaaaaaaaceeeeiiiinooooouuuuyyoa') $$;

-- The list's order, within a cabinet.
CREATE INDEX contacts_by_name ON contacts (cabinet_id, last_name, first_name);
