-- desktoprec schema 2 (schema 1 plus candidate_evidence), as the models of that version created it.
CREATE TABLE account (
	id VARCHAR NOT NULL, 
	display_name VARCHAR, 
	uri VARCHAR, 
	premium BOOLEAN, 
	updated_at DATETIME, 
	PRIMARY KEY (id)
);
CREATE TABLE albums (
	id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	uri VARCHAR, 
	album_type VARCHAR, 
	release_date VARCHAR, 
	release_year INTEGER, 
	image_url VARCHAR, 
	artist_ids JSON NOT NULL, 
	tracks_fetched BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE analyses (
	content_hash VARCHAR NOT NULL, 
	analyzer_version VARCHAR NOT NULL, 
	ok BOOLEAN NOT NULL, 
	error VARCHAR, 
	descriptors JSON, 
	analyzed_at DATETIME, 
	PRIMARY KEY (content_hash, analyzer_version)
);
CREATE TABLE artists (
	id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	uri VARCHAR, 
	genres JSON NOT NULL, 
	image_url VARCHAR, 
	updated_at DATETIME, 
	PRIMARY KEY (id)
);
CREATE TABLE audio_features (
	track_id VARCHAR NOT NULL, 
	features JSON NOT NULL, 
	PRIMARY KEY (track_id)
);
CREATE TABLE disliked (
	kind VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	at DATETIME, 
	PRIMARY KEY (kind, value)
);
CREATE TABLE exports (
	name VARCHAR NOT NULL, 
	playlist_id VARCHAR NOT NULL, 
	uri VARCHAR, 
	updated_at DATETIME, 
	PRIMARY KEY (name)
);
CREATE TABLE feedback (
	id INTEGER NOT NULL, 
	track_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	position_ms INTEGER, 
	context VARCHAR, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_feedback_at ON feedback (at);
CREATE INDEX ix_feedback_track_id ON feedback (track_id);
CREATE INDEX ix_feedback_track_kind ON feedback (track_id, kind);
CREATE TABLE local_files (
	path VARCHAR NOT NULL, 
	size INTEGER NOT NULL, 
	mtime FLOAT NOT NULL, 
	content_hash VARCHAR, 
	format VARCHAR, 
	title VARCHAR, 
	artist VARCHAR, 
	album VARCHAR, 
	isrc VARCHAR, 
	genre VARCHAR, 
	year INTEGER, 
	duration_s FLOAT, 
	tag_error VARCHAR, 
	removed BOOLEAN NOT NULL, 
	track_id VARCHAR, 
	match_method VARCHAR, 
	scanned_at DATETIME, 
	PRIMARY KEY (path)
);
CREATE INDEX ix_local_files_content_hash ON local_files (content_hash);
CREATE INDEX ix_local_files_isrc ON local_files (isrc);
CREATE INDEX ix_local_files_track_id ON local_files (track_id);
CREATE TABLE pending_exports (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	public BOOLEAN NOT NULL, 
	description TEXT, 
	uris JSON NOT NULL, 
	created_at DATETIME, 
	last_error VARCHAR, 
	PRIMARY KEY (id)
);
CREATE TABLE playlists (
	id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	uri VARCHAR, 
	description TEXT, 
	owner_id VARCHAR, 
	owner_name VARCHAR, 
	collaborative BOOLEAN NOT NULL, 
	public BOOLEAN, 
	image_url VARCHAR, 
	snapshot_id VARCHAR, 
	items_snapshot_id VARCHAR, 
	total INTEGER, 
	list_position INTEGER, 
	readable BOOLEAN NOT NULL, 
	skipped_reason VARCHAR, 
	made_by_desktoprec BOOLEAN NOT NULL, 
	removed BOOLEAN NOT NULL, 
	synced_at DATETIME, 
	PRIMARY KEY (id)
);
CREATE TABLE recommendation_lists (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	recipe JSON NOT NULL, 
	track_ids JSON NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_recommendation_lists_created_at ON recommendation_lists (created_at);
CREATE TABLE recommended (
	track_id VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (track_id, at)
);
CREATE TABLE sound_clusters (
	cluster_id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	centroid JSON NOT NULL, 
	size INTEGER NOT NULL, 
	PRIMARY KEY (cluster_id)
);
CREATE TABLE sync_state (
	"key" VARCHAR NOT NULL, 
	value JSON, 
	updated_at DATETIME, 
	PRIMARY KEY ("key")
);
CREATE TABLE track_genres (
	track_id VARCHAR NOT NULL, 
	genre VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	weight FLOAT NOT NULL, 
	PRIMARY KEY (track_id, genre)
);
CREATE TABLE track_sound (
	track_id VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	descriptors JSON, 
	vector BLOB, 
	updated_at DATETIME, 
	PRIMARY KEY (track_id)
);
CREATE TABLE followed_artists (
	artist_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (artist_id), 
	FOREIGN KEY(artist_id) REFERENCES artists (id)
);
CREATE TABLE top_artists (
	time_range VARCHAR NOT NULL, 
	rank INTEGER NOT NULL, 
	artist_id VARCHAR NOT NULL, 
	PRIMARY KEY (time_range, rank), 
	FOREIGN KEY(artist_id) REFERENCES artists (id)
);
CREATE TABLE tracks (
	id VARCHAR NOT NULL, 
	uri VARCHAR, 
	name VARCHAR NOT NULL, 
	album_id VARCHAR, 
	duration_ms INTEGER, 
	isrc VARCHAR, 
	explicit BOOLEAN NOT NULL, 
	track_number INTEGER, 
	source VARCHAR NOT NULL, 
	is_playable BOOLEAN, 
	updated_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(album_id) REFERENCES albums (id)
);
CREATE INDEX ix_tracks_isrc ON tracks (isrc);
CREATE TABLE isrcs (
	isrc VARCHAR NOT NULL, 
	track_id VARCHAR NOT NULL, 
	PRIMARY KEY (isrc, track_id), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE CASCADE
);
CREATE TABLE playlist_entries (
	playlist_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	track_id VARCHAR, 
	added_at VARCHAR, 
	uri VARCHAR, 
	name VARCHAR, 
	artist_name VARCHAR, 
	album_name VARCHAR, 
	duration_ms INTEGER, 
	PRIMARY KEY (playlist_id, position), 
	FOREIGN KEY(playlist_id) REFERENCES playlists (id) ON DELETE CASCADE, 
	FOREIGN KEY(track_id) REFERENCES tracks (id)
);
CREATE INDEX ix_playlist_entries_track_id ON playlist_entries (track_id);
CREATE TABLE recently_played (
	played_at VARCHAR NOT NULL, 
	track_id VARCHAR NOT NULL, 
	context_uri VARCHAR, 
	PRIMARY KEY (played_at), 
	FOREIGN KEY(track_id) REFERENCES tracks (id)
);
CREATE INDEX ix_recently_played_track_id ON recently_played (track_id);
CREATE TABLE saved_tracks (
	track_id VARCHAR NOT NULL, 
	added_at VARCHAR NOT NULL, 
	PRIMARY KEY (track_id), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE CASCADE
);
CREATE INDEX ix_saved_tracks_added_at ON saved_tracks (added_at);
CREATE TABLE top_tracks (
	time_range VARCHAR NOT NULL, 
	rank INTEGER NOT NULL, 
	track_id VARCHAR NOT NULL, 
	PRIMARY KEY (time_range, rank), 
	FOREIGN KEY(track_id) REFERENCES tracks (id)
);
CREATE TABLE track_artists (
	track_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	artist_id VARCHAR NOT NULL, 
	PRIMARY KEY (track_id, position), 
	FOREIGN KEY(track_id) REFERENCES tracks (id) ON DELETE CASCADE, 
	FOREIGN KEY(artist_id) REFERENCES artists (id)
);
CREATE INDEX ix_track_artists_artist_id ON track_artists (artist_id);
CREATE TABLE candidate_evidence (
	track_id VARCHAR NOT NULL, 
	service VARCHAR NOT NULL, 
	via_artist_id VARCHAR NOT NULL, 
	relation VARCHAR NOT NULL, 
	via_artist_name VARCHAR NOT NULL, 
	candidate_artist_name VARCHAR NOT NULL, 
	score FLOAT NOT NULL, 
	fetched_at DATETIME, 
	PRIMARY KEY (track_id, service, via_artist_id)
);
