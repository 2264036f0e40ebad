//! `ooc info PATH`: what a file holds, told by its signature. `.npy` and raw files are one
//! array; HDF5 files a tree of groups, datasets and attributes (anndata sparse groups shown
//! as sparse matrices); `.npz` archives the sparse matrix they store.
//! `--json` prints the same facts as JSON.

use std::path::{Path, PathBuf};

use clap::Args;
use ooc_core::{ByteOrder, DType, Element, dispatch_dtype};
use ooc_hdf5::{AttrValue, Filter, Layout, MemberKind};
use ooc_mmap::{MmapArray, Mode, inspect_npy};
use serde_json::{Value, json};

use crate::failure::{AtPath, CliResult, Failure};
use crate::output::{emit, human_bytes, print_json};
use crate::source::{Format, detect};
use crate::{CommonArgs, RawArgs};

/// Arguments of `ooc info`.
#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// The file to describe.
    path: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    raw: RawArgs,
}

/// Runs `ooc info`.
pub(crate) fn run(args: &InfoArgs, common: &CommonArgs) -> CliResult {
    let path = args.path.as_path();
    let facts = match detect(path)? {
        Format::Npy => npy(path)?,
        Format::Raw => raw(path, &common.open_options(&args.raw))?,
        Format::Hdf5 => hdf5(path)?,
        Format::Npz => npz(path)?,
    };
    if args.json {
        print_json(&facts.json)?;
    } else {
        emit(&facts.text)?;
    }
    Ok(())
}

/// What `info` prints, as text and as JSON.
struct Facts {
    text: String,
    json: Value,
}

fn shape_text(shape: &[usize]) -> String {
    if shape.is_empty() {
        "scalar".to_string()
    } else {
        shape
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" × ")
    }
}

fn npy(path: &Path) -> CliResult<Facts> {
    let header = inspect_npy(path).at(path)?;
    let mut head = [0_u8; 8];
    std::io::Read::read_exact(&mut std::fs::File::open(path).at(path)?, &mut head).at(path)?;
    let version = format!("{}.{}", head[6], head[7]);
    // Non-native byte order cannot be mapped; its layout still follows from the header.
    let (data_offset, data_bytes) = if header.order.is_native() {
        fn mapped<T: Element>(path: &Path) -> CliResult<(u64, usize)> {
            let a = MmapArray::<T>::open_npy(path, Mode::ReadOnly).at(path)?;
            Ok((a.data_offset(), a.byte_len()))
        }
        macro_rules! m {
            ($t:ty) => {
                mapped::<$t>(path)?
            };
        }
        dispatch_dtype!(header.dtype, m)
    } else {
        let bytes = header.data_bytes().at(path)?;
        let len = std::fs::metadata(path).at(path)?.len();
        (len.saturating_sub(bytes as u64), bytes)
    };
    let file_bytes = std::fs::metadata(path).at(path)?.len();
    let elements: usize = header.shape.iter().product();
    let descr = header.dtype.numpy_descr(header.order);
    let order = if header.fortran_order { "Fortran" } else { "C" };
    let text = format!(
        "{}: npy {version}, {} ({descr}), shape {}, {order} order\n  {elements} elements, {} of data at offset {data_offset}, file {}\n",
        path.display(),
        header.dtype,
        shape_text(&header.shape),
        human_bytes(data_bytes as u64),
        human_bytes(file_bytes),
    );
    let json = json!({
        "path": path.display().to_string(),
        "format": "npy",
        "version": version,
        "dtype": header.dtype.name(),
        "descr": descr,
        "fortran_order": header.fortran_order,
        "shape": header.shape,
        "elements": elements,
        "data_offset": data_offset,
        "data_bytes": data_bytes,
        "file_bytes": file_bytes,
    });
    Ok(Facts { text, json })
}

fn raw(path: &Path, opts: &ooc::OpenOptions) -> CliResult<Facts> {
    let desc = ooc::describe_with(path, opts)?;
    let Some(layout) = &opts.raw else {
        return Err(Failure::at(path, "a raw file needs --dtype and --shape"));
    };
    let dtype = desc.dtype;
    let elements: usize = layout.shape.iter().product();
    let data_bytes = elements * dtype.size();
    let file_bytes = std::fs::metadata(path).at(path)?.len();
    let descr = DType::numpy_descr(dtype, ByteOrder::NATIVE);
    let text = format!(
        "{}: raw, {dtype} ({descr}), shape {}, C order\n  {elements} elements, {} of data at offset {}, file {}\n",
        path.display(),
        shape_text(&layout.shape),
        human_bytes(data_bytes as u64),
        layout.offset,
        human_bytes(file_bytes),
    );
    let json = json!({
        "path": path.display().to_string(),
        "format": "raw",
        "dtype": dtype.name(),
        "descr": descr,
        "shape": layout.shape,
        "elements": elements,
        "data_offset": layout.offset,
        "data_bytes": data_bytes,
        "file_bytes": file_bytes,
    });
    Ok(Facts { text, json })
}

fn attr_json(value: &AttrValue) -> Value {
    match value {
        AttrValue::Int(v) => json!(v),
        AttrValue::UInt(v) => json!(v),
        AttrValue::Float(v) => json!(v),
        AttrValue::String(v) => json!(v),
        AttrValue::IntArray(v) => json!(v),
        AttrValue::UIntArray(v) => json!(v),
        AttrValue::FloatArray(v) => json!(v),
        AttrValue::StringArray(v) => json!(v),
    }
}

/// A filter as `info` shows it: its name (with its id when the name is not a well-known
/// one), marked when ooc cannot decode it (`Filter::is_decodable`).
fn filter_name(f: &Filter) -> String {
    let name = match f {
        Filter::Deflate(level) => format!("deflate({level})"),
        other if other.name() == "unknown" => format!("filter {}", other.id()),
        other => other.name().to_string(),
    };
    if f.is_decodable() {
        name
    } else {
        format!("{name}: ooc cannot decode it")
    }
}

fn layout_name(l: Layout) -> &'static str {
    match l {
        Layout::Compact => "compact",
        Layout::Contiguous => "contiguous",
        Layout::Chunked => "chunked",
        Layout::External => "external",
        Layout::Virtual => "virtual",
    }
}

/// Attributes of an object as JSON and as indented text lines.
fn attrs(
    names: Vec<String>,
    read: impl Fn(&str) -> ooc_hdf5::Result<AttrValue>,
) -> (Value, String) {
    let mut map = serde_json::Map::new();
    let mut text = String::new();
    for name in names {
        let value = match read(&name) {
            Ok(v) => attr_json(&v),
            // An attribute of a type ooc cannot hold is shown, not fatal.
            Err(e) => json!(format!("<{e}>")),
        };
        text.push_str(&format!("    @{name} = {value}\n"));
        map.insert(name, value);
    }
    (Value::Object(map), text)
}

fn hdf5(path: &Path) -> CliResult<Facts> {
    let file = ooc_hdf5::File::open(path).at(path)?;
    let mut tree = Tree {
        objects: Vec::new(),
        text: format!("{}: HDF5\n", path.display()),
    };
    tree.walk(&file, "/", path)?;
    let json = json!({
        "path": path.display().to_string(),
        "format": "hdf5",
        "file_bytes": std::fs::metadata(path).at(path)?.len(),
        "objects": tree.objects,
    });
    Ok(Facts {
        text: tree.text,
        json,
    })
}

/// The objects of an HDF5 file, listed depth first in name order (as `h5ls -r`).
struct Tree {
    objects: Vec<Value>,
    text: String,
}

impl Tree {
    fn walk(&mut self, file: &ooc_hdf5::File, group_path: &str, path: &Path) -> CliResult {
        let group = file.root().group(group_path).at(path)?;
        let (attrs_json, attrs_text) = attrs(group.attr_names().at(path)?, |n| group.attr(n));
        // An anndata sparse group is shown as the matrix it holds (its datasets follow).
        let sparse = (group_path != "/")
            .then(|| ooc_anndata::anndata_info(file, group_path).ok())
            .flatten();
        if let Some(m) = sparse {
            self.text.push_str(&format!(
                "{group_path}  sparse {} matrix {}, {}, nnz {} (anndata)\n{attrs_text}",
                m.format.name(),
                shape_text(&m.shape),
                m.dtype,
                m.nnz
            ));
            self.objects.push(json!({
                "path": group_path,
                "kind": "sparse",
                "sparse_format": m.format.name(),
                "shape": m.shape,
                "dtype": m.dtype.name(),
                "nnz": m.nnz,
                "attrs": attrs_json,
            }));
        } else {
            self.text
                .push_str(&format!("{group_path}  group\n{attrs_text}"));
            self.objects
                .push(json!({"path": group_path, "kind": "group", "attrs": attrs_json}));
        }
        let mut members = group.members().at(path)?;
        members.sort_by(|a, b| a.name.cmp(&b.name));
        for m in members {
            let child = if group_path == "/" {
                format!("/{}", m.name)
            } else {
                format!("{group_path}/{}", m.name)
            };
            match m.kind {
                MemberKind::Group => self.walk(file, &child, path)?,
                MemberKind::Dataset => {
                    let (j, t) = dataset_facts(file, &child, path)?;
                    self.text.push_str(&t);
                    self.objects.push(j);
                }
                other => {
                    self.text.push_str(&format!("{child}  {}\n", other.name()));
                    self.objects
                        .push(json!({"path": child, "kind": other.name()}));
                }
            }
        }
        Ok(())
    }
}

fn dataset_facts(file: &ooc_hdf5::File, child: &str, path: &Path) -> CliResult<(Value, String)> {
    let ds = match file.root().dataset(child) {
        Ok(ds) => ds,
        // A dataset of a type ooc cannot read is listed, not fatal.
        Err(e) => {
            let text = format!("{child}  dataset ({e})\n");
            return Ok((
                json!({"path": child, "kind": "dataset", "error": e.to_string()}),
                text,
            ));
        }
    };
    let d = ds.describe().at(path)?;
    let (attrs_json, attrs_text) = attrs(ds.attr_names().at(path)?, |n| ds.attr(n));
    let filters: Vec<String> = d.filters.iter().map(filter_name).collect();
    let mut text = format!(
        "{child}  dataset {} {}, {}",
        d.dtype,
        shape_text(&d.shape),
        layout_name(d.layout)
    );
    if let Some(c) = &d.chunk_shape {
        text.push_str(&format!(" {}", shape_text(c)));
    }
    if !filters.is_empty() {
        text.push_str(&format!(" [{}]", filters.join(", ")));
    }
    text.push_str(&format!(
        ", {} stored / {} logical\n{attrs_text}",
        human_bytes(d.stored_bytes),
        human_bytes(d.logical_bytes)
    ));
    let json = json!({
        "path": child,
        "kind": "dataset",
        "dtype": d.dtype.name(),
        "byte_order": match d.byte_order { ByteOrder::Little => "little", ByteOrder::Big => "big" },
        "shape": d.shape,
        "max_shape": d.max_shape,
        "layout": layout_name(d.layout),
        "chunk_shape": d.chunk_shape,
        "filters": filters,
        "stored_bytes": d.stored_bytes,
        "logical_bytes": d.logical_bytes,
        "attrs": attrs_json,
    });
    Ok((json, text))
}

fn npz(path: &Path) -> CliResult<Facts> {
    let info = ooc_sparse::npz_info(path).map_err(|e| {
        Failure::at(
            path,
            format!("{e} (ooc reads .npz archives of sparse matrices, as scipy.sparse.save_npz writes them)"),
        )
    })?;
    let [rows, cols] = info.shape;
    let file_bytes = std::fs::metadata(path).at(path)?.len();
    let text = format!(
        "{}: npz, sparse {} matrix {}, {}, {} stored entries, file {}\n",
        path.display(),
        info.format.name(),
        shape_text(&info.shape),
        info.dtype,
        info.stored,
        human_bytes(file_bytes),
    );
    let json = json!({
        "path": path.display().to_string(),
        "format": "npz",
        "sparse_format": info.format.name(),
        "shape": [rows, cols],
        "dtype": info.dtype.name(),
        "stored": info.stored,
        "file_bytes": file_bytes,
    });
    Ok(Facts { text, json })
}
