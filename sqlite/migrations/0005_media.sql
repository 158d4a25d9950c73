-- 0005: attachments (dispatcher/media.go). The copies of each file are files under the data
-- directory's media/ folder (sqlite/media.go); these tables hold what is known of them.

-- One row per uploaded file, by the SHA-256 of its bytes. public_type is the type of the stripped
-- copy ('' when that copy is the original: a video); lat and lng are its EXIF position, if any.
CREATE TABLE media (
    sha256      TEXT    PRIMARY KEY,
    type        TEXT    NOT NULL,
    public_type TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    lat         REAL,
    lng         REAL,
    created_at  INTEGER NOT NULL
);

-- Everyone who uploaded the file (the same bytes may come from several people): each may attach
-- it and see it before it is attached.
CREATE TABLE media_uploaders (
    sha256 TEXT NOT NULL,
    login  TEXT NOT NULL,
    PRIMARY KEY (sha256, login)
);

-- The cases whose Media carries a file, written with the case in the same transaction: who may see
-- one of them may see the file.
CREATE TABLE media_cases (
    sha256  TEXT    NOT NULL,
    case_id INTEGER NOT NULL,
    PRIMARY KEY (sha256, case_id)
);
