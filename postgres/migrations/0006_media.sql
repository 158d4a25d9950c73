-- 0006: attachments (dispatcher/media.go), kept in the database so that every instance serves
-- them. Their copies are bytea columns; JPEG, PNG, WebP and video do not compress, so they are
-- stored out of line without trying (STORAGE EXTERNAL).

-- One row per uploaded file, by the SHA-256 of its bytes. public_type is the type of the stripped
-- copy ('' when that copy is the original: a video, whose public and thumbnail are NULL); lat and
-- lng are its EXIF position, if any.
CREATE TABLE media (
    sha256      text        PRIMARY KEY,
    type        text        NOT NULL,
    public_type text        NOT NULL,
    size        bigint      NOT NULL,
    width       integer     NOT NULL,
    height      integer     NOT NULL,
    lat         double precision,
    lng         double precision,
    created_at  timestamptz NOT NULL,
    original    bytea       NOT NULL,
    public      bytea,
    thumbnail   bytea
);
ALTER TABLE media ALTER COLUMN original SET STORAGE EXTERNAL,
    ALTER COLUMN public SET STORAGE EXTERNAL, ALTER COLUMN thumbnail SET STORAGE EXTERNAL;

-- Everyone who uploaded the file (the same bytes may come from several people): each may attach
-- it and see it before it is attached.
CREATE TABLE media_uploaders (
    sha256 text NOT NULL,
    login  text NOT NULL,
    PRIMARY KEY (sha256, login)
);

-- The cases whose Media carries a file, written with the case in the same transaction: who may see
-- one of them may see the file.
CREATE TABLE media_cases (
    sha256  text   NOT NULL,
    case_id bigint NOT NULL,
    PRIMARY KEY (sha256, case_id)
);
