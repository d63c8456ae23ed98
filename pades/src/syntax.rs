//! Writing PDF objects. Strings are always written in hexadecimal, which needs no
//! escaping and means the same as the literal form.

use lopdf::Object;

pub fn write(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend(b"null"),
        Object::Boolean(true) => out.extend(b"true"),
        Object::Boolean(false) => out.extend(b"false"),
        Object::Integer(value) => out.extend(value.to_string().as_bytes()),
        Object::Real(value) => out.extend(format!("{value}").as_bytes()),
        Object::Name(name) => write_name(out, name),
        Object::String(bytes, _) => {
            out.push(b'<');
            for byte in bytes {
                out.extend(format!("{byte:02X}").as_bytes());
            }
            out.push(b'>');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict),
        Object::Stream(stream) => {
            let mut dict = stream.dict.clone();
            dict.set("Length", stream.content.len() as i64);
            write_dictionary(out, &dict);
            out.extend(b"\nstream\n");
            out.extend(&stream.content);
            out.extend(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            out.extend(format!("{id} {generation} R").as_bytes())
        }
    }
}

fn write_dictionary(out: &mut Vec<u8>, dict: &lopdf::Dictionary) {
    out.extend(b"<<");
    for (key, value) in dict.iter() {
        write_name(out, key);
        out.push(b' ');
        write(out, value);
        out.push(b' ');
    }
    out.extend(b">>");
}

fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &byte in name {
        if b" \t\n\r\x0C()<>[]{}/%#".contains(&byte) || !(33..=126).contains(&byte) {
            out.extend(format!("#{byte:02X}").as_bytes());
        } else {
            out.push(byte);
        }
    }
}

pub fn to_bytes(object: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, object);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Dictionary, StringFormat};

    #[test]
    fn objects_are_written_in_pdf_syntax() {
        let dict = Dictionary::from_iter([
            ("Type", Object::Name(b"Annot".to_vec())),
            ("T", Object::String(b"a(b".to_vec(), StringFormat::Literal)),
            ("Rect", Object::Array(vec![0.into(), Object::Real(1.5)])),
            ("P", Object::Reference((12, 0))),
            ("N", Object::Name(b"A B".to_vec())),
        ]);
        let written = String::from_utf8(to_bytes(&Object::Dictionary(dict))).unwrap();
        assert_eq!(
            written,
            "<</Type /Annot /T <612862> /Rect [0 1.5] /P 12 0 R /N /A#20B >>"
        );
    }
}
