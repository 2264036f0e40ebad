//! Handles and their file: `File::close` refuses while groups or datasets of the file are
//! alive, naming how many, and succeeds once they are dropped; a missing parent names the
//! call that creates it; string datasets and attributes of any object by path.

use ooc_hdf5::{AttrValue, Error, File};

#[test]
fn close_refuses_while_objects_are_open_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.h5");
    let file = File::create(&path).unwrap();
    let ds = file.create_dataset("x", &[1_i32, 2, 3][..]).unwrap();
    let g = file.create_group("g").unwrap();
    let root = file.root().clone();
    let err = file.close().unwrap_err();
    assert!(
        matches!(&err, Error::StillOpen { objects: 3, path: p } if p.ends_with("c.h5")),
        "{err}"
    );
    assert!(
        err.to_string().contains("3 of its groups or datasets"),
        "{err}"
    );
    // The handles stay valid after a refused close.
    assert_eq!(ds.read_vec::<i32>().unwrap(), [1, 2, 3]);
    assert_eq!(g.path(), "/g");
    assert!(root.contains("x"));
    drop((ds, g, root));

    let file = File::open_rw(&path).unwrap();
    let reader = file.dataset("x").unwrap().parallel_reader().unwrap();
    // A second `File` of the same path counts only what was opened through it.
    File::open(&path).unwrap().close().unwrap();
    let err = File::open_rw(&path)
        .and_then(|f| {
            let _kept = f.dataset("x")?;
            f.close()
        })
        .unwrap_err();
    assert!(matches!(err, Error::StillOpen { objects: 1, .. }), "{err}");
    assert!(matches!(File::open_rw(&path).unwrap().close(), Ok(())));
    drop(reader);
    file.close().unwrap();
    File::open(&path).unwrap().close().unwrap();
}

#[test]
fn missing_parents_name_the_call_that_creates_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("p.h5")).unwrap();
    file.create_group("a").unwrap();
    let err = file.create_group("a/b/c").unwrap_err();
    assert!(
        matches!(&err, Error::MissingParent { path, parent, .. } if path == "/a/b/c" && parent == "/a/b"),
        "{err}"
    );
    assert!(err.to_string().contains("create_group_all"), "{err}");
    let err = file
        .new_dataset::<f32>("/x/y")
        .shape([1])
        .create()
        .unwrap_err();
    assert!(err.to_string().contains("create_parents"), "{err}");
    let err = file.create_strings("/x/names", &["a"]).unwrap_err();
    assert!(matches!(err, Error::MissingParent { .. }), "{err}");
    file.create_dataset("a/d", &[1.0_f64][..]).unwrap();
    let err = file.create_group("a/d/e").unwrap_err();
    assert!(matches!(err, Error::WrongKind { .. }), "{err}");
}

#[test]
fn string_datasets_and_attributes_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("s.h5")).unwrap();
    let names: Vec<String> = (0..5).map(|i| format!("cell-{i}")).collect();
    file.create_group("obs").unwrap();
    file.create_strings("obs/_index", &names).unwrap();
    file.create_strings("empty", &[] as &[&str]).unwrap();
    file.set_attr_at("obs/_index", "encoding-type", "string-array")
        .unwrap();
    file.set_attr_at("obs", "column-order", Vec::<f64>::new())
        .unwrap();
    assert_eq!(file.read_strings("obs/_index").unwrap(), names);
    assert!(file.read_strings("empty").unwrap().is_empty());
    assert_eq!(
        file.attr_at("/obs/_index", "encoding-type").unwrap(),
        AttrValue::String("string-array".into())
    );
    assert_eq!(
        file.group("obs").unwrap().attr("column-order").unwrap(),
        AttrValue::FloatArray(Vec::new())
    );
    // A string dataset is not an ooc `Dataset`; numbers are not strings.
    assert!(matches!(
        file.dataset("obs/_index"),
        Err(Error::UnsupportedType { .. })
    ));
    file.create_dataset("n", &[1_u8][..]).unwrap();
    assert!(matches!(
        file.read_strings("n"),
        Err(Error::UnsupportedType { .. })
    ));
    assert!(matches!(
        file.read_strings("obs"),
        Err(Error::WrongKind { .. })
    ));
    assert!(matches!(
        file.attr_at("nothing", "x"),
        Err(Error::NotFound { .. })
    ));
    let err = file.create_strings("bad", &["a\0b"]).unwrap_err();
    assert!(matches!(err, Error::AttributeType { .. }), "{err}");
}
