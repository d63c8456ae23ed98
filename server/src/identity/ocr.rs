//! Reading the MRZ off a document image with Debian's tesseract, and repairing what its
//! stock model predictably gets wrong.
//!
//! Tesseract's general model reads runs of the filler `<` as sequences of `<` and `K`,
//! sometimes adding characters. The repair below only touches `K`s next to fillers and
//! line lengths; every field that carries a check digit is then verified by `mrz::parse`,
//! so a wrong repair there fails rather than passes. Names carry no check digit: they are
//! compared with the declared identity by `names_agree`, which knows this confusion, and
//! an operator looks at every document anyway.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;

use super::mrz::{self, Mrz, MrzError};

const MRZ_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("could not run {program}: {detail}")]
    Tool {
        program: &'static str,
        detail: String,
    },
}

/// Runs tesseract on an image (PNG or JPEG bytes) and returns the text it read.
pub fn read_text(tesseract: &Path, image: &[u8]) -> Result<String, OcrError> {
    let tool = |detail: String| OcrError::Tool {
        program: "tesseract",
        detail,
    };
    let mut command = Command::new(tesseract);
    command
        .args(["stdin", "stdout", "--psm", "6", "-c"])
        .arg(format!("tessedit_char_whitelist={MRZ_ALPHABET}"));
    // The image goes through a pipe: it never touches the disk.
    let output = crate::subprocess::run(&mut command, Some(image.to_vec()), crate::subprocess::OCR)
        .map_err(tool)?;
    if !output.status.success() {
        return Err(tool(format!("exit status {}", output.status)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Renders the first page of a PDF as a PNG (poppler's pdftoppm), for documents sent as PDF.
pub fn pdf_first_page(pdftoppm: &Path, pdf: &[u8]) -> Result<Vec<u8>, OcrError> {
    crate::signing::preview::page_png(pdftoppm, pdf, 1, 300).map_err(|detail| OcrError::Tool {
        program: "pdftoppm",
        detail,
    })
}

/// The MRZ in OCR output: the text as read, then the repaired text.
pub fn mrz_from_ocr(text: &str, today: NaiveDate) -> Result<Mrz, MrzError> {
    let mut mrz = match mrz::parse(text, today) {
        Ok(mrz) => mrz,
        Err(first) => mrz::parse(&repair(text), today).map_err(|repaired| {
            if repaired == MrzError::NotFound {
                first
            } else {
                repaired
            }
        })?,
    };
    mrz.surname = letters_only(&mrz.surname);
    mrz.given_names = letters_only(&mrz.given_names);
    Ok(mrz)
}

/// Names in an MRZ are letters only and carry no check digit, so a digit read there is
/// always a misreading of the letter it resembles (tesseract reads "HUGO" as "HUG0").
fn letters_only(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '0' => 'O',
            '1' => 'I',
            '2' => 'Z',
            '5' => 'S',
            '6' => 'G',
            '8' => 'B',
            c => c,
        })
        .collect()
}

/// Fits each line that looks like an MRZ line to the width it should have.
pub fn repair(text: &str) -> String {
    text.lines().map(repair_line).collect::<Vec<_>>().join("\n")
}

fn repair_line(line: &str) -> String {
    if !line.contains('<') {
        return line
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
    }
    // An MRZ holds upper-case letters, digits and fillers only: in a line with fillers, a
    // lower-case letter or a symbol is a filler misread (tesseract prints `s`, `e`, `¢`).
    let mut chars: Vec<char> = line
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() {
                c
            } else {
                '<'
            }
        })
        .collect();
    let width = if chars.len() > 37 { 44 } else { 30 };
    // Extra characters are `K`s read inside filler runs: drop them from the right.
    while chars.len() > width {
        let beside_filler =
            |i: usize| (i > 0 && chars[i - 1] == '<') || chars.get(i + 1) == Some(&'<');
        match (0..chars.len())
            .rev()
            .find(|&i| chars[i] == 'K' && beside_filler(i))
        {
            Some(i) => {
                chars.remove(i);
            }
            None => break,
        }
    }
    // A run of `K`s between fillers, or between a filler and the end of the line, is fillers.
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != 'K' {
            i += 1;
            continue;
        }
        let end = (i..chars.len())
            .find(|&j| chars[j] != 'K')
            .unwrap_or(chars.len());
        let before = if i == 0 { None } else { Some(chars[i - 1]) };
        let after = chars.get(end).copied();
        let bounded = |c: Option<char>| c.is_none() || c == Some('<');
        if bounded(before) && bounded(after) && (before == Some('<') || after == Some('<')) {
            chars[i..end].fill('<');
        }
        i = end;
    }
    // Fillers read twice at the end of the line.
    while chars.len() > width && chars.last() == Some(&'<') && chars[chars.len() - 2] == '<' {
        chars.pop();
    }
    if chars.len() < width && chars.last() == Some(&'<') {
        chars.resize(width, '<');
    }
    chars.into_iter().collect()
}

/// How a declared name compares with the one read from the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NameAgreement {
    /// Equal as the MRZ prints names (or a prefix of a truncated field).
    Exact,
    /// Equal once the letters OCR confuses with fillers (`K`) are set aside, or the
    /// declared names followed by more (other given names, a stray letter).
    Likely,
    Different,
}

pub fn names_agree(declared: &str, read: &str, truncated: bool) -> NameAgreement {
    if mrz::name_matches(declared, read, truncated) {
        return NameAgreement::Exact;
    }
    // The document may carry more names than declared ("Jean" for JEAN PIERRE MARIE), or
    // tesseract a stray letter among the fillers: the operator decides.
    let (declared_words, read_words) = (mrz::mrz_form(declared), mrz::mrz_form(read));
    let (declared_words, read_words): (Vec<&str>, Vec<&str>) = (
        declared_words.split_whitespace().collect(),
        read_words.split_whitespace().collect(),
    );
    if !declared_words.is_empty()
        && read_words.len() > declared_words.len()
        && read_words.starts_with(&declared_words)
    {
        return NameAgreement::Likely;
    }
    let loose = |s: &str| {
        mrz::mrz_form(s)
            .chars()
            .filter(|c| *c != 'K' && *c != ' ')
            .collect::<String>()
    };
    let (declared, read) = (loose(declared), loose(read));
    if !read.is_empty() && (declared == read || (truncated && declared.starts_with(&read))) {
        NameAgreement::Likely
    } else {
        NameAgreement::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// What tesseract 5.3 printed for synthetic cards rendered in OCR-B.
    #[test]
    fn repairs_the_filler_confusions_tesseract_makes() {
        let read = "REPUBLIQUEFRANCAISE\nCARTENATIONALEDIDENTITE\nIDFRAX4RTBPFW46<<<<K<K<K<<KKK<<<<\n9005156F3101012FRA<<<<<<<<<<<0\nDARTAGNAN<<JEAN<KLOIC<<<<<<<<<K<";
        let mrz = mrz_from_ocr(read, today()).unwrap();
        assert_eq!(mrz.document_number, "X4RTBPFW4");
        assert_eq!(
            mrz.birth_date,
            NaiveDate::from_ymd_opt(1990, 5, 15).unwrap()
        );
        assert_eq!(
            names_agree("d'Artagnan", &mrz.surname, mrz.names_truncated),
            NameAgreement::Exact
        );
        assert_eq!(
            names_agree("Jean-Loïc", &mrz.given_names, mrz.names_truncated),
            NameAgreement::Exact
        );

        let read = "IDFRAX4RTBPFW46<<<<<KKKKKKKKK<\n9005156F3101012FRA<<<<<<<<<<<0\nDARTAGNAN<K<JEANKLOIC<<<<<<<<<<";
        let mrz = mrz_from_ocr(read, today()).unwrap();
        assert_eq!(mrz.document_number, "X4RTBPFW4");
        assert_eq!(
            names_agree("Jean-Loïc", &mrz.given_names, mrz.names_truncated),
            NameAgreement::Likely
        );
        assert_eq!(
            names_agree("d'Artagnan", &mrz.surname, mrz.names_truncated),
            NameAgreement::Exact
        );
        assert_eq!(
            names_agree("Dupont", &mrz.surname, mrz.names_truncated),
            NameAgreement::Different
        );
    }

    /// What tesseract 5.3 printed for Nina Roux's rendered card.
    #[test]
    fn lower_case_letters_and_symbols_in_filler_runs_are_fillers() {
        let read = "REPUBLIQUE FRANCAISE\n\nIDFRAX4RTBPFW46<<<K<K<K<<<sss<s<<\n9005156F3101012FRA<<<<<<<<<<<0\nROUX<<NINA<<<<<<<<ssssssesssss¢";
        let mrz = mrz_from_ocr(read, today()).unwrap();
        assert_eq!(
            (mrz.surname.as_str(), mrz.given_names.as_str()),
            ("ROUX", "NINA")
        );
        assert_eq!(mrz.document_number, "X4RTBPFW4");
        assert_eq!(
            repair_line("Carte nationale d'identité"),
            "CARTENATIONALED'IDENTITÉ",
            "lines without fillers are left alone"
        );
    }

    /// Tesseract 5.3 read "EXPERTENR<<CLAIRE<X<<<<<<<<<<<<" on a rendered card; and French
    /// cards list every given name when people declare the first.
    #[test]
    fn more_names_on_the_document_than_declared_go_to_the_operator() {
        assert_eq!(
            names_agree("Claire", "CLAIRE X", false),
            NameAgreement::Likely
        );
        assert_eq!(
            names_agree("Jean", "JEAN PIERRE MARIE", false),
            NameAgreement::Likely
        );
        assert_eq!(
            names_agree("Pierre", "JEAN PIERRE", false),
            NameAgreement::Different
        );
        assert_eq!(
            names_agree("Jean Pierre", "JEAN", false),
            NameAgreement::Different
        );
    }

    /// Tesseract read the given name of a rendered card as "HUG0".
    #[test]
    fn digits_read_in_names_are_the_letters_they_resemble() {
        let read = "IDFRAX4RTBPFW46<<<<<<<<<<<<<<<\n9005156F3101012FRA<<<<<<<<<<<0\nBERNARD<<HUG0<<<<<<<<<<<<<<<<<";
        let mrz = mrz_from_ocr(read, today()).unwrap();
        assert_eq!(mrz.given_names, "HUGO");
        assert_eq!(
            names_agree("Hugo", &mrz.given_names, mrz.names_truncated),
            NameAgreement::Exact
        );
        assert_eq!(
            mrz.document_number, "X4RTBPFW4",
            "check-digit fields are left as read"
        );
    }

    #[test]
    fn a_repair_never_invents_check_digits() {
        // A misread digit stays a failure whatever the repair does to the fillers.
        let read = "IDFRAX4RTBPFW46<<<<K<K<K<<KKK<<<<\n9005166F3101012FRA<<<<<<<<<<<0\nDARTAGNAN<<JEAN<LOIC<<<<<<<<<<";
        assert!(matches!(
            mrz_from_ocr(read, today()),
            Err(MrzError::CheckDigit(_))
        ));
    }

    #[test]
    fn keeps_real_ks_outside_filler_runs() {
        assert_eq!(
            repair_line("KOWALSKI<<KAROL<<<<<<<<<<<<<<<"),
            "KOWALSKI<<KAROL<<<<<<<<<<<<<<<"
        );
        assert_eq!(
            repair_line("FRANK<<ERIK<<<<<<<<<"),
            "FRANK<<ERIK<<<<<<<<<<<<<<<<<<<"
        );
    }
}
