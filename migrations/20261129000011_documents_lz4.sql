-- Documents are rewritten at every signature. Under load, pglz spent a sixth of
-- PostgreSQL's CPU compressing them (mostly the zero padding of /Contents); lz4 compresses
-- that padding too, at a fraction of the cost. Applies to values written from now on.
ALTER TABLE collection_documents ALTER COLUMN content SET COMPRESSION lz4;
