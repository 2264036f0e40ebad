//! The error type of `ooc-hdf5`: library failures keep the HDF5 error stack's message,
//! and everything this crate checks itself (paths, kinds, chunk data) has its own variant
//! naming the values involved.

/// Shorthand for results whose error is [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `ooc-hdf5`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HDF5 library refused an operation; `message` is its error stack's description.
    #[error("{context}: {message}")]
    Library {
        /// What was being done, naming the file or object.
        context: String,
        /// The library's own message.
        message: String,
    },
    /// A file that exists but is not an HDF5 file (empty, or without the signature).
    #[error("{path} is not an HDF5 file ({reason})")]
    NotHdf5 {
        /// The file.
        path: String,
        /// What was found instead.
        reason: String,
    },
    /// Nothing exists at a path inside the file.
    #[error("{file}: no object at {path}")]
    NotFound {
        /// The file.
        file: String,
        /// The path inside the file.
        path: String,
    },
    /// An object of another kind exists where a group or dataset was expected.
    #[error("{file}: {path} is a {found}, not a {expected}")]
    WrongKind {
        /// The file.
        file: String,
        /// The path inside the file.
        path: String,
        /// The kind that was expected.
        expected: &'static str,
        /// The kind that is there.
        found: &'static str,
    },
    /// A path inside the file that cannot be used (empty, or a name with a `/`).
    #[error("invalid object path {0:?}")]
    InvalidPath(String),
    /// A write through a file opened read-only.
    #[error("{0} was opened read-only")]
    ReadOnly(String),
    /// A dataset's element type that ooc cannot represent (strings, compounds, ...).
    #[error("{path}: unsupported element type {found}")]
    UnsupportedType {
        /// The dataset or attribute.
        path: String,
        /// A description of the stored type.
        found: String,
    },
    /// An attribute holds another kind of value than the one asked for.
    #[error("attribute {name:?} holds {found}, not {requested}")]
    AttributeType {
        /// The attribute's name.
        name: String,
        /// What it holds.
        found: String,
        /// What was asked for.
        requested: &'static str,
    },
    /// A dataset creation request that cannot be satisfied.
    #[error("cannot create dataset {path}: {reason}")]
    InvalidDataset {
        /// The dataset's path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Chunk data that does not decode to what the dataset says it holds.
    #[error("{path}: corrupt chunk at {offset:?}: {reason}")]
    CorruptChunk {
        /// The dataset.
        path: String,
        /// The chunk's first element.
        offset: Vec<usize>,
        /// What is wrong with it.
        reason: String,
    },
    /// A dataset stored in an external file outside the HDF5 file's directory.
    #[error(
        "{file}: dataset {path} stores its elements in the external file {external:?}, outside the file's directory: refused, since reading it would read whatever file it names"
    )]
    ExternalStorage {
        /// The HDF5 file.
        file: String,
        /// The dataset.
        path: String,
        /// The external file it names.
        external: String,
    },
    /// A group or dataset whose parent group does not exist.
    #[error("{file}: cannot create {path}: parent group {parent} does not exist ({hint})")]
    MissingParent {
        /// The file.
        file: String,
        /// The path of the object to create.
        path: String,
        /// The first missing group on the way.
        parent: String,
        /// The call that creates missing parents.
        hint: &'static str,
    },
    /// [`File::close`](crate::File::close) while groups or datasets of the file are alive.
    #[error(
        "cannot close {path}: {objects} of its groups or datasets are still open (drop them first; the file stays open until they are dropped)"
    )]
    StillOpen {
        /// The file.
        path: String,
        /// How many groups, datasets and named types of it are still open.
        objects: usize,
    },
    /// An integer read as an index that is negative or does not fit in `usize`.
    #[error("{path}: value {value} at {at:?} is negative or too large for an index")]
    IndexValue {
        /// The dataset.
        path: String,
        /// The element's coordinates in the dataset.
        at: Vec<usize>,
        /// The value as stored.
        value: i128,
    },
    /// An array type whose number of dimensions is not the dataset's.
    #[error(
        "{path}: a dataset of shape {shape:?} cannot be read as an array of {requested} dimensions"
    )]
    DimensionMismatch {
        /// The dataset.
        path: String,
        /// The dataset's shape.
        shape: Vec<usize>,
        /// The number of dimensions of the array type asked for.
        requested: usize,
    },
    /// An array whose shape is not the dataset's (or the selection's).
    #[error("{path}: an array of shape {array:?} does not match the dataset's shape {dataset:?}")]
    ShapeMismatch {
        /// The dataset.
        path: String,
        /// The dataset's shape.
        dataset: Vec<usize>,
        /// The array's shape.
        array: Vec<usize>,
    },
    /// A slice that does not select from the dataset: another number of dimensions, an
    /// index or bound out of range, a zero step.
    #[error("{path}: invalid selection from shape {shape:?}: {reason}")]
    InvalidSelection {
        /// The dataset.
        path: String,
        /// The dataset's shape.
        shape: Vec<usize>,
        /// What is wrong, with the values involved.
        reason: String,
    },
    /// Data stored through a filter (or a codec inside one) that neither ooc nor the HDF5
    /// library it is built with decodes ([`crate::Filter::is_decodable`]).
    #[error("{path}: filter {id} ({name}) cannot be decoded: {reason}")]
    UnsupportedFilter {
        /// The dataset.
        path: String,
        /// The filter's HDF5 id.
        id: i32,
        /// Its usual name ([`crate::Filter::name`]).
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// An operating-system I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An error of the shared ooc vocabulary (regions, element types, chunk shapes).
    #[error(transparent)]
    Core(#[from] ooc_core::Error),
}

impl Error {
    /// A library error with the context of what was being done.
    pub(crate) fn lib(context: impl Into<String>, e: &hdf5::Error) -> Self {
        Error::Library {
            context: context.into(),
            message: e.to_string(),
        }
    }

    /// An I/O error with context.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<Error> for ooc_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Core(inner) => inner,
            other => ooc_core::Error::backend("hdf5", other),
        }
    }
}

/// Adds context to results from the `hdf5` crate.
pub(crate) trait Context<T> {
    /// Converts the library error into [`Error::Library`] with `context`.
    fn context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for hdf5::Result<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::lib(context(), &e))
    }
}
