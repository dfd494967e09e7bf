//! jsonb arguments kept in their binary form. A document's stored bytes key the policy cache,
//! so a call finds its compiled policy without decompressing, copying, hashing or printing the
//! document; and signals are read straight from the binary form, two keys per element, so that
//! nothing else they hold (numbers beyond a double's range, nesting past any parser's limit)
//! can stop a classification.

use crate::classify::Signal;
use pgrx::callconv::{Arg, ArgAbi};
use pgrx::pg_sys;
use pgrx::prelude::*;
use serde_json::Value;
use std::cell::Cell;
use std::collections::HashMap;

/// A jsonb argument, borrowed for the call: PostgreSQL keeps the argument (and a detoasted copy,
/// made in the call's memory context) until the function returns.
pub struct RawJsonb {
    datum: *mut pg_sys::varlena,
    /// Made on first use: with the document's bytes the cache often needs no detoasting.
    detoasted: Cell<*const u8>,
}

impl FromDatum for RawJsonb {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _: pg_sys::Oid,
    ) -> Option<Self> {
        (!is_null).then(|| RawJsonb {
            datum: datum.cast_mut_ptr(),
            detoasted: Cell::new(std::ptr::null()),
        })
    }
}

unsafe impl<'fcx> ArgAbi<'fcx> for RawJsonb {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }
}

pgrx::impl_sql_translatable!(RawJsonb, arg_only = "jsonb");

impl RawJsonb {
    /// Bytes of the jsonb, header included, once detoasted (what the size limits count).
    pub fn size(&self) -> usize {
        unsafe { pg_sys::toast_raw_datum_size(pg_sys::Datum::from(self.datum)) }
    }

    /// The value as it was passed, compressed or not, when it is in memory; else detoasted.
    /// Equal bytes are equal documents (unequal bytes may still be), which is all a cache
    /// needs, and comparing them spares decompressing a stored policy on every call.
    pub fn stored_bytes(&self) -> &[u8] {
        unsafe {
            if pgrx::varlena::varatt_is_1b_e(self.datum) {
                return self.bytes();
            }
            std::slice::from_raw_parts(self.datum as *const u8, pgrx::varlena::varsize_any(self.datum))
        }
    }

    /// The detoasted jsonb: a 4-byte header, then the root container.
    pub fn bytes(&self) -> &[u8] {
        unsafe {
            if self.detoasted.get().is_null() {
                self.detoasted.set(pg_sys::pg_detoast_datum(self.datum) as *const u8);
            }
            let varlena = self.detoasted.get();
            std::slice::from_raw_parts(varlena, pgrx::varlena::varsize_any(varlena.cast()))
        }
    }

    fn root(&self) -> *mut pg_sys::JsonbContainer {
        unsafe { self.bytes().as_ptr().add(pg_sys::VARHDRSZ) as *mut pg_sys::JsonbContainer }
    }

    /// The document as serde's tree, through its text form; None when serde cannot read it
    /// (a number beyond a double's range, nesting past serde's limit of 128).
    pub fn to_value(&self) -> Option<Value> {
        unsafe {
            let text = pgrx::direct_function_call::<&core::ffi::CStr>(
                pg_sys::jsonb_out,
                &[Some(pg_sys::Datum::from(self.bytes().as_ptr()))],
            )?;
            let value = serde_json::from_slice(text.to_bytes()).ok();
            pg_sys::pfree(text.as_ptr() as *mut core::ffi::c_void);
            value
        }
    }

    /// Whether the document is `[]`.
    pub fn is_empty_array(&self) -> bool {
        let header = unsafe { (*self.root()).header };
        header & pg_sys::JB_FARRAY != 0 && header & pg_sys::JB_FSCALAR == 0 && header & pg_sys::JB_CMASK == 0
    }

    /// Reads signals: a JSON array of objects, each with string `resourceType` and
    /// `statusReason`; any other member, of any value, is left unread.
    pub fn signals(&self) -> Result<Vec<Signal>, String> {
        let root = self.root();
        let header = unsafe { (*root).header };
        if header & pg_sys::JB_FARRAY == 0 || header & pg_sys::JB_FSCALAR != 0 {
            return Err("signals must be a JSON array of objects".into());
        }
        (0..header & pg_sys::JB_CMASK)
            .map(|i| {
                pgrx::check_for_interrupts!();
                let item = unsafe { pg_sys::getIthJsonbValueFromContainer(root, i) };
                let object = unsafe {
                    let object = ((*item).type_ == pg_sys::jbvType::jbvBinary)
                        .then(|| (*item).val.binary.data)
                        .filter(|c| (**c).header & pg_sys::JB_FOBJECT != 0);
                    pg_sys::pfree(item.cast());
                    object
                };
                let object = object.ok_or_else(|| format!("signals[{i}] must be an object"))?;
                let text = |key: &str| string_member(object, key).map_err(|e| format!("signals[{i}]{e}"));
                Ok(Signal {
                    resource_type: text("resourceType")?,
                    status_reason: text("statusReason")?,
                })
            })
            .collect()
    }
}

impl RawJsonb {
    /// The keys of the object under `key` of the document (an object), each with whether its
    /// value is a string; empty when there is no such object.
    pub fn member_kinds(&self, key: &str) -> HashMap<String, bool> {
        let mut kinds = HashMap::new();
        unsafe {
            let root = self.root();
            if (*root).header & pg_sys::JB_FOBJECT == 0 {
                return kinds;
            }
            let mut member: pg_sys::JsonbValue = std::mem::zeroed();
            let found = pg_sys::getKeyJsonValueFromContainer(root, key.as_ptr().cast(), key.len() as i32, &mut member);
            if found.is_null()
                || member.type_ != pg_sys::jbvType::jbvBinary
                || (*member.val.binary.data).header & pg_sys::JB_FOBJECT == 0
            {
                return kinds;
            }
            let mut it = pg_sys::JsonbIteratorInit(member.val.binary.data);
            let mut value: pg_sys::JsonbValue = std::mem::zeroed();
            let mut current = None;
            loop {
                match pg_sys::JsonbIteratorNext(&mut it, &mut value, true) {
                    pg_sys::JsonbIteratorToken::WJB_DONE => break,
                    pg_sys::JsonbIteratorToken::WJB_KEY => current = Some(text_of(&value)),
                    pg_sys::JsonbIteratorToken::WJB_VALUE => {
                        if let Some(k) = current.take() {
                            kinds.insert(k, value.type_ == pg_sys::jbvType::jbvString);
                        }
                    }
                    _ => {}
                }
            }
        }
        kinds
    }
}

/// A string JsonbValue's text. Text in the database encoding: UTF-8 is read exactly,
/// anything else lossily.
unsafe fn text_of(value: &pg_sys::JsonbValue) -> String {
    let s = value.val.string;
    let bytes = std::slice::from_raw_parts(s.val as *const u8, s.len as usize);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// An object's member that must be a string; the error (after `signals[i]`) says why not.
fn string_member(object: *mut pg_sys::JsonbContainer, key: &str) -> Result<String, String> {
    unsafe {
        let mut value: pg_sys::JsonbValue = std::mem::zeroed();
        let found = pg_sys::getKeyJsonValueFromContainer(
            object,
            key.as_ptr().cast(),
            key.len() as i32,
            &mut value,
        );
        if found.is_null() {
            return Err(format!(" has no {key}"));
        }
        if value.type_ != pg_sys::jbvType::jbvString {
            return Err(format!(".{key} must be a string"));
        }
        Ok(text_of(&value))
    }
}
