//! Groups: the directories of an HDF5 file. Objects are addressed by path, absolute
//! (`/group/subgroup/dataset2`) or relative to the group; members are listed with their
//! kinds; attributes are read and written here and on datasets.

use std::sync::Arc;

use ooc_core::Element;

use crate::attr::{self, AttrValue};
use crate::dataset::{Dataset, DatasetBuilder};
use crate::error::{Context, Error, Result};
use crate::file::FileInfo;

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

    /// Creates a group at `path`; its parent must exist.
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::NotFound`] for a missing parent; [`Error::Library`]
    /// when something already exists there.
    pub fn create_group(&self, path: &str) -> Result<Group> {
        self.require_writable()?;
        let abs = self.resolve(path)?;
        let parent = parent_of(&abs);
        self.expect_kind(parent, MemberKind::Group)?;
        self.child_group(self.inner.create_group(&abs), "create", abs)
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
        Dataset::from_parts(inner, Arc::clone(&self.file), abs)
    }

    /// Starts describing a new dataset of `T` at `path` (see [`DatasetBuilder`]).
    pub fn new_dataset<T: Element>(&self, path: &str) -> DatasetBuilder<T> {
        DatasetBuilder::new(self.clone(), path)
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
