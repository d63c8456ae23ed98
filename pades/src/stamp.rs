//! The visible signature: an appearance stream for the signature widget, a framed box
//! with "Signé électroniquement par", the name, the date, the level and, for seals, the
//! cabinet. Helvetica in WinAnsi, so every PDF viewer draws it without embedded fonts.

use chrono::{DateTime, Utc};
use lopdf::{Dictionary, Object, Stream, StringFormat};

/// The smallest readable stamp, in points.
pub const MIN_WIDTH: f32 = 60.0;
pub const MIN_HEIGHT: f32 = 24.0;

/// Where and what to show. Coordinates are PDF points from the page's bottom-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleStamp {
    /// 1-based page number.
    pub page: u32,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    /// e.g. "Signature avancée (LCP)".
    pub level: String,
    /// The cabinet, for seals.
    pub cabinet: Option<String>,
}

impl VisibleStamp {
    /// Reads `PAGE,X,Y,W,H` as the command line takes it.
    pub fn parse_placement(text: &str, level: &str) -> Result<Self, String> {
        let numbers: Vec<f32> = text
            .split(',')
            .map(|n| n.trim().parse::<f32>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{text:?}: expected PAGE,X,Y,W,H"))?;
        let [page, x, y, width, height] = numbers[..] else {
            return Err(format!("{text:?}: expected PAGE,X,Y,W,H"));
        };
        if page < 1.0 || page.fract() != 0.0 {
            return Err(format!("{text:?}: pages count from 1"));
        }
        Ok(VisibleStamp {
            page: page as u32,
            x,
            y,
            width,
            height,
            level: level.to_owned(),
            cabinet: None,
        })
    }

    pub fn rect(&self) -> Vec<Object> {
        vec![
            self.x.into(),
            self.y.into(),
            (self.x + self.width).into(),
            (self.y + self.height).into(),
        ]
    }

    /// A box too small to read, or not finite, is refused rather than drawn unreadable.
    pub fn check(&self) -> Result<(), String> {
        let finite = [self.x, self.y, self.width, self.height]
            .iter()
            .all(|v| v.is_finite());
        if !finite || self.width < MIN_WIDTH || self.height < MIN_HEIGHT {
            return Err(format!(
                "a visible stamp measures at least {MIN_WIDTH} × {MIN_HEIGHT} points"
            ));
        }
        Ok(())
    }

    fn lines(&self, signer: &str, time: DateTime<Utc>) -> Vec<String> {
        let mut lines = vec![
            "Signé électroniquement par".to_owned(),
            signer.to_owned(),
            format!("le {} UTC", time.format("%d/%m/%Y à %H:%M")),
            self.level.clone(),
        ];
        if let Some(cabinet) = self
            .cabinet
            .as_ref()
            .filter(|cabinet| cabinet.as_str() != signer)
        {
            lines.push(cabinet.clone());
        }
        lines
    }

    /// The appearance stream (a form XObject) of the widget.
    pub fn appearance(&self, signer: &str, time: DateTime<Utc>) -> Stream {
        let lines = self.lines(signer, time);
        let (w, h) = (self.width, self.height);
        let longest = lines
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1)
            .max(1) as f32;
        // Helvetica averages about half an em per character.
        let size = (h / (lines.len() as f32 * 1.25 + 0.5))
            .min((w - 8.0) / (longest * 0.52))
            .clamp(3.0, 10.0);
        let leading = size * 1.25;
        let mut content = format!(
            "q 0.95 0.97 1 rg 0 0 {w:.2} {h:.2} re f Q\nq 0.13 0.33 0.62 RG 1 w 0.5 0.5 {:.2} {:.2} re S Q\nBT /F1 {size:.2} Tf 0.1 0.1 0.2 rg {leading:.2} TL 4 {:.2} Td\n",
            w - 1.0,
            h - 1.0,
            h - 4.0 - size,
        )
        .into_bytes();
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                content.extend(b"T* ");
            }
            content.extend(super::syntax::to_bytes(&Object::String(
                win_ansi(line),
                StringFormat::Hexadecimal,
            )));
            content.extend(b" Tj\n");
        }
        content.extend(b"ET\n");
        let font = Dictionary::from_iter([
            ("Type", Object::Name(b"Font".to_vec())),
            ("Subtype", Object::Name(b"Type1".to_vec())),
            ("BaseFont", Object::Name(b"Helvetica".to_vec())),
            ("Encoding", Object::Name(b"WinAnsiEncoding".to_vec())),
        ]);
        let resources = Dictionary::from_iter([(
            "Font",
            Object::Dictionary(Dictionary::from_iter([("F1", Object::Dictionary(font))])),
        )]);
        let dict = Dictionary::from_iter([
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            (
                "BBox",
                Object::Array(vec![0.into(), 0.into(), w.into(), h.into()]),
            ),
            ("Resources", Object::Dictionary(resources)),
        ]);
        Stream::new(dict, content)
    }
}

/// WinAnsiEncoding bytes; characters it lacks become '?'.
pub(crate) fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{A0}'..='\u{FF}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            'Œ' => 0x8C,
            'œ' => 0x9C,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_written_in_win_ansi() {
        assert_eq!(
            win_ansi("Élodie Dupré’s œuvre €"),
            b"\xC9lodie Dupr\xE9\x92s \x9Cuvre \x80".to_vec()
        );
        assert_eq!(win_ansi("李"), b"?".to_vec());
    }

    #[test]
    fn the_placement_is_read_from_the_command_line_form() {
        let stamp = VisibleStamp::parse_placement("2,50,60,200,70", "LCP").expect("placement");
        assert_eq!(
            (stamp.page, stamp.x, stamp.y, stamp.width, stamp.height),
            (2, 50.0, 60.0, 200.0, 70.0)
        );
        assert!(VisibleStamp::parse_placement("0,1,1,100,50", "LCP").is_err());
        assert!(VisibleStamp::parse_placement("1,2,3", "LCP").is_err());
        assert!(stamp.check().is_ok());
        assert!(VisibleStamp {
            width: 10.0,
            ..stamp
        }
        .check()
        .is_err());
    }
}
