//! Groups: the directories of an HDF5 file. Objects are addressed by path, absolute
//! (`/group/subgroup/dataset2`) or relative to the group; members are listed with their
//! kinds; attributes are read and written here and on datasets.

use std::sync::Arc;

use ooc_core::Element;

use crate::attr::{self, AttrValue};
use crate::dataset::{Dataset, DatasetBuilder};
use crate::error::{Context, Error, Result};
use crate::file::FileInfo;
use crate::types;

/// What kind of object a group member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
    /// A committed (named) datatype.
    NamedType,
    /// A link whose target cannot be resolved (dangling soft or external link).
    Unresolved,
}

impl MemberKind {
    /// The kind's name in messages (`group`, `dataset`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            MemberKind::Group => "group",
            MemberKind::Dataset => "dataset",
            MemberKind::NamedType => "named datatype",
            MemberKind::Unresolved => "unresolved link",
        }
    }
}

/// One entry of a group listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's name inside the group.
    pub name: String,
    /// What it is.
    pub kind: MemberKind,
}

/// A group of an open file.
#[derive(Debug, Clone)]
pub struct Group {
    inner: hdf5::Group,
    file: Arc<FileInfo>,
    path: String,
}

impl Group {
    pub(crate) fn from_parts(inner: hdf5::Group, file: Arc<FileInfo>, path: String) -> Group {
        Group { inner, file, path }
    }

    pub(crate) fn file_info(&self) -> &Arc<FileInfo> {
        &self.file
    }

    /// Path of the file holding the group, as given when it was opened.
    #[must_use]
    pub fn file_path(&self) -> &std::path::Path {
        &self.file.path
    }

    /// The group's absolute path in the file.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The absolute, normalised form of `path` relative to this group.
    ///
    /// # Errors
    /// [`Error::InvalidPath`] for an empty path, an empty component (`a//b`), `.` or `..`
    /// components, or a NUL byte.
    pub fn resolve(&self, path: &str) -> Result<String> {
        let invalid = || Error::InvalidPath(path.to_owned());
        if path.is_empty() || path.contains('\0') {
            return Err(invalid());
        }
        let joined = if path.starts_with('/') {
            path.to_owned()
        } else if self.path == "/" {
            format!("/{path}")
        } else {
            format!("{}/{path}", self.path)
        };
        let trimmed = joined.trim_end_matches('/');
        if trimmed.is_empty() {
            return Ok("/".to_owned());
        }
        if trimmed[1..]
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(invalid());
        }
        Ok(trimmed.to_owned())
    }

    fn require_writable(&self) -> Result<()> {
        if self.file.writable {
            Ok(())
        } else {
            Err(Error::ReadOnly(self.file.name()))
        }
    }

    /// What is at `path`, relative to this group or absolute.
    ///
    /// # Errors
    /// [`Error::NotFound`] when nothing is there (including when a parent is missing),
    /// [`Error::InvalidPath`] for a malformed path.
    pub fn kind_of(&self, path: &str) -> Result<MemberKind> {
        let abs = self.resolve(path)?;
        if abs == "/" {
            return Ok(MemberKind::Group);
        }
        // Check each prefix: the library reports a missing parent as an error, not as
        // "absent", so walk down to give one clear answer.
        let mut prefix = String::new();
        for part in abs[1..].split('/') {
            prefix.push('/');
            prefix.push_str(part);
            if !self.inner.link_exists(&prefix) {
                return Err(self.not_found(&abs));
            }
        }
        match self.inner.loc_type_by_name(&abs) {
            Ok(hdf5::LocationType::Group) => Ok(MemberKind::Group),
            Ok(hdf5::LocationType::Dataset) => Ok(MemberKind::Dataset),
            Ok(_) => Ok(MemberKind::NamedType),
            Err(_) => Ok(MemberKind::Unresolved),
        }
    }

    fn not_found(&self, abs: &str) -> Error {
        Error::NotFound {
            file: self.file.name(),
            path: abs.to_owned(),
        }
    }

    fn expect_kind(&self, abs: &str, expected: MemberKind) -> Result<()> {
        let found = self.kind_of(abs)?;
        if found == expected {
            Ok(())
        } else if found == MemberKind::Unresolved {
            Err(self.not_found(abs))
        } else {
            Err(Error::WrongKind {
                file: self.file.name(),
                path: abs.to_owned(),
                expected: expected.name(),
                found: found.name(),
            })
        }
    }

    /// Whether anything exists at `path`.
    #[must_use]
    pub fn contains(&self, path: &str) -> bool {
        self.kind_of(path)
            .is_ok_and(|k| k != MemberKind::Unresolved)
    }

    /// Opens the group at `path`.
    ///
    /// # Errors
    /// [`Error::NotFound`], or [`Error::WrongKind`] when a dataset is there.
    pub fn group(&self, path: &str) -> Result<Group> {
        let abs = self.resolve(path)?;
        self.expect_kind(&abs, MemberKind::Group)?;
        self.child_group(self.inner.group(&abs), "open", abs)
    }

    /// Wraps the group the library opened or created (`doing`) at `abs`.
    fn child_group(
        &self,
        made: hdf5::Result<hdf5::Group>,
        doing: &str,
        abs: String,
    ) -> Result<Group> {
        let inner = made.context(|| format!("{}: {doing} group {abs}", self.file.name()))?;
        Ok(Group::from_parts(inner, Arc::clone(&self.file), abs))
    }

    /// Creates a group at `path`; its parent must exist. Unlike h5py, which creates
    /// missing intermediate groups, a missing parent is an error that names
    /// [`Group::create_group_all`], the call that creates them.
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::MissingParent`] for a missing parent;
    /// [`Error::WrongKind`] when the parent is a dataset; [`Error::Library`] when
    /// something already exists there.
    pub fn create_group(&self, path: &str) -> Result<Group> {
        self.require_writable()?;
        let abs = self.resolve(path)?;
        self.expect_parent(&abs, "Group::create_group_all creates missing parents")?;
        self.child_group(self.inner.create_group(&abs), "create", abs)
    }

    /// Checks that the parent of `abs` is a group, naming the first missing group on
    /// the way and `hint` when it is absent.
    pub(crate) fn expect_parent(&self, abs: &str, hint: &'static str) -> Result<()> {
        let parent = parent_of(abs);
        match self.expect_kind(parent, MemberKind::Group) {
            Err(Error::NotFound { .. }) => {
                let mut missing = String::new();
                for part in parent.split('/').filter(|p| !p.is_empty()) {
                    missing.push('/');
                    missing.push_str(part);
                    if !self.inner.link_exists(&missing) {
                        break;
                    }
                }
                Err(Error::MissingParent {
                    file: self.file.name(),
                    path: abs.to_owned(),
                    parent: missing,
                    hint,
                })
            }
            other => other,
        }
    }

    /// Creates the group at `path` and any missing parents (`mkdir -p`); existing groups
    /// along the way are kept.
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::WrongKind`] when a dataset is in the way.
    pub fn create_group_all(&self, path: &str) -> Result<Group> {
        self.require_writable()?;
        let abs = self.resolve(path)?;
        if abs != "/" {
            let mut prefix = String::new();
            for part in abs[1..].split('/') {
                prefix.push('/');
                prefix.push_str(part);
                match self.kind_of(&prefix) {
                    Ok(MemberKind::Group) => {}
                    Err(Error::NotFound { .. }) => {
                        self.inner
                            .create_group(&prefix)
                            .context(|| format!("{}: create group {prefix}", self.file.name()))?;
                    }
                    Ok(found) => {
                        return Err(Error::WrongKind {
                            file: self.file.name(),
                            path: prefix,
                            expected: "group",
                            found: found.name(),
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        self.group(&abs)
    }

    /// The members of this group, in the library's name order, with their kinds.
    ///
    /// # Errors
    /// [`Error::Library`] when the group cannot be listed.
    pub fn members(&self) -> Result<Vec<Member>> {
        let names = self
            .inner
            .member_names()
            .context(|| format!("{}: list {}", self.file.name(), self.path))?;
        names
            .into_iter()
            .map(|name| {
                let kind = self.kind_of(&name)?;
                Ok(Member { name, kind })
            })
            .collect()
    }

    /// Opens the dataset at `path`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::WrongKind`] when a group is there;
    /// [`Error::UnsupportedType`] when its element type is not one of ooc's.
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        let abs = self.resolve(path)?;
        self.expect_kind(&abs, MemberKind::Dataset)?;
        let inner = self
            .inner
            .dataset(&abs)
            .context(|| format!("{}: open dataset {abs}", self.file.name()))?;
        self.check_external(&inner, &abs)?;
        Dataset::from_parts(inner, Arc::clone(&self.file), abs)
    }

    /// Refuses a dataset whose elements are stored in external files that name a path
    /// outside the HDF5 file's directory (absolute, or through `..`): reading it would
    /// read whatever file it names (`/etc/shadow`), so a file from elsewhere could make
    /// `ooc convert` copy any readable file. External files named by a relative path
    /// without `..` are read as the library resolves them (from the working directory,
    /// or `HDF5_EXTFILE_PREFIX`).
    fn check_external(&self, ds: &hdf5::Dataset, path: &str) -> Result<()> {
        let Ok(dcpl) = ds.dcpl() else {
            return Ok(());
        };
        for ext in dcpl.external() {
            let named = std::path::Path::new(&ext.name);
            let outside = named.is_absolute()
                || named
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir));
            if outside {
                return Err(Error::ExternalStorage {
                    file: self.file.name(),
                    path: path.to_string(),
                    external: ext.name,
                });
            }
        }
        Ok(())
    }

    /// Starts describing a new dataset of `T` at `path` (see [`DatasetBuilder`]).
    pub fn new_dataset<T: Element>(&self, path: &str) -> DatasetBuilder<T> {
        DatasetBuilder::new(self.clone(), path)
    }

    /// Creates a dataset at `path` holding `data` (a slice, an ndarray array or view of
    /// any dimension), with the data's shape, stored contiguously: h5py's
    /// `create_dataset(path, data=...)`. For chunks or compression use
    /// [`Group::new_dataset`] and [`DatasetBuilder::create_with_data`].
    ///
    /// ```
    /// use ndarray::{Array2, array};
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("a.h5"))?;
    /// let a = array![[1.0_f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
    /// let ds = file.create_dataset("a", &a)?;
    /// assert_eq!(ds.shape(), &[2, 3]);
    /// file.create_dataset("v", &[1_u8, 2, 3][..])?;
    /// let back: Array2<f64> = ds.read_array()?;
    /// assert_eq!(back, a);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`DatasetBuilder::create_with_data`].
    pub fn create_dataset<'a, T, D>(
        &self,
        path: &str,
        data: impl ndarray::AsArray<'a, T, D>,
    ) -> Result<Dataset>
    where
        T: Element + 'a,
        D: ndarray::Dimension,
    {
        self.new_dataset::<T>(path).create_with_data(data)
    }

    /// Creates a one-dimensional dataset of variable-length UTF-8 strings at `path`
    /// holding `values`, as h5py stores a list of `str` (`h5py.string_dtype()`). Its
    /// attributes are set with [`Group::set_attr_at`]; the parent group must exist.
    ///
    /// ```
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("s.h5"))?;
    /// file.create_strings("names", &["a", "bc"])?;
    /// file.set_attr_at("names", "kind", "labels")?;
    /// assert_eq!(file.read_strings("names")?, ["a", "bc"]);
    /// assert_eq!(file.attr_at("names", "kind")?.as_str(), Some("labels"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::InvalidPath`]; [`Error::MissingParent`];
    /// [`Error::AttributeType`] for a string with a NUL byte; [`Error::Library`] when
    /// something exists at `path` or the library refuses.
    pub fn create_strings<S: AsRef<str>>(&self, path: &str, values: &[S]) -> Result<()> {
        self.require_writable()?;
        let abs = self.resolve(path)?;
        if abs == "/" {
            return Err(Error::InvalidPath(path.to_owned()));
        }
        self.expect_parent(&abs, "Group::create_group_all creates missing parents")?;
        let values = values
            .iter()
            .map(|s| attr::to_vlen(&abs, s.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        self.inner
            .new_dataset_builder()
            .with_data(values.as_slice())
            .create(abs.as_str())
            .map(drop)
            .context(|| format!("{}: create string dataset {abs}", self.file.name()))
    }

    /// Reads the string dataset at `path` (variable-length or fixed-length, UTF-8 or
    /// ASCII) as a list in C order.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::WrongKind`] when a group is there;
    /// [`Error::UnsupportedType`] when it does not hold strings; [`Error::Library`].
    pub fn read_strings(&self, path: &str) -> Result<Vec<String>> {
        let abs = self.resolve(path)?;
        self.expect_kind(&abs, MemberKind::Dataset)?;
        let ctx = || format!("{}: read strings {abs}", self.file.name());
        let ds = self.inner.dataset(&abs).context(ctx)?;
        let desc = ds.dtype().and_then(|t| t.to_descriptor()).context(ctx)?;
        match attr::strings_of(&ds, &desc) {
            Some(read) => read.context(ctx),
            None => Err(Error::UnsupportedType {
                path: abs.clone(),
                found: format!("{} (not strings)", types::describe(&desc)),
            }),
        }
    }

    /// Writes (or replaces) attribute `name` of the group or dataset at `path` (h5py's
    /// `f[path].attrs[name] = value`); reaches objects, such as string datasets, that
    /// cannot be opened as a [`Dataset`].
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::NotFound`]; [`Error::WrongKind`] for a named type;
    /// [`Error::Library`].
    pub fn set_attr_at(&self, path: &str, name: &str, value: impl Into<AttrValue>) -> Result<()> {
        self.require_writable()?;
        let (loc, abs) = self.location(path)?;
        attr::write(&loc, &abs, name, &value.into())
    }

    /// Reads attribute `name` of the group or dataset at `path`.
    ///
    /// # Errors
    /// As [`Group::attr`], and [`Error::NotFound`] or [`Error::WrongKind`] for `path`.
    pub fn attr_at(&self, path: &str, name: &str) -> Result<AttrValue> {
        let (loc, abs) = self.location(path)?;
        attr::read(&loc, &abs, name)
    }

    /// The library's handle of the group or dataset at `path`, and its absolute path.
    fn location(&self, path: &str) -> Result<(hdf5::Location, String)> {
        let abs = self.resolve(path)?;
        let ctx = || format!("{}: open {abs}", self.file.name());
        let loc = match self.kind_of(&abs)? {
            MemberKind::Group => {
                let g: hdf5::Group = self.inner.group(&abs).context(ctx)?;
                hdf5::Location::clone(&g)
            }
            MemberKind::Dataset => {
                let ds: hdf5::Dataset = self.inner.dataset(&abs).context(ctx)?;
                hdf5::Location::clone(&ds)
            }
            found => {
                return Err(Error::WrongKind {
                    file: self.file.name(),
                    path: abs,
                    expected: "group or dataset",
                    found: found.name(),
                });
            }
        };
        Ok((loc, abs))
    }

    pub(crate) fn inner(&self) -> &hdf5::Group {
        &self.inner
    }

    pub(crate) fn writable_check(&self) -> Result<()> {
        self.require_writable()
    }

    /// Writes (or replaces) attribute `name` of this group.
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::Library`] when the library refuses.
    pub fn set_attr(&self, name: &str, value: impl Into<AttrValue>) -> Result<()> {
        self.require_writable()?;
        attr::write(&self.inner, &self.path, name, &value.into())
    }

    /// Reads attribute `name` of this group.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none; [`Error::UnsupportedType`] for a kind of
    /// value [`AttrValue`] cannot hold.
    pub fn attr(&self, name: &str) -> Result<AttrValue> {
        attr::read(&self.inner, &self.path, name)
    }

    /// Reads attribute `name` as a string.
    ///
    /// # Errors
    /// As [`Group::attr`], and [`Error::AttributeType`] when it is not a string.
    pub fn attr_string(&self, name: &str) -> Result<String> {
        match self.attr(name)? {
            AttrValue::String(s) => Ok(s),
            other => Err(attr::wrong_kind(name, &other, "a string")),
        }
    }

    /// The names of this group's attributes.
    ///
    /// # Errors
    /// [`Error::Library`] when they cannot be listed.
    pub fn attr_names(&self) -> Result<Vec<String>> {
        self.inner
            .attr_names()
            .context(|| format!("{}: list attributes of {}", self.file.name(), self.path))
    }
}

/// The parent path of an absolute path (`/` for top-level names).
pub(crate) fn parent_of(abs: &str) -> &str {
    match abs.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &abs[..i],
    }
}
