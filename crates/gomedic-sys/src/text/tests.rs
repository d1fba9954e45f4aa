use super::*;

// Bytes as the programs wrote them (GBK from a Chinese-Windows `go.bat`, and so on).
const GBK_WRAPPER: &[u8] = b"\xd5\xfd\xd4\xda\xca\xb9\xd3\xc3 gvm \xb0\xfc\xd7\xb0\xc6\xf7\x0d\x0a";
const GBK_ACCESS_DENIED: &[u8] = b"\xbe\xdc\xbe\xf8\xb7\xc3\xce\xca\xa1\xa3";

#[test]
fn gbk_and_gb18030() {
    assert_eq!(decode(GBK_WRAPPER, 936), "正在使用 gvm 包装器\r\n");
    assert_eq!(decode(GBK_ACCESS_DENIED, 936), "拒绝访问。");
    // Four-byte GB18030 sequences (outside GBK) and the euro sign.
    assert_eq!(decode(b"\x952\x826\xa2\xe3", 54936), "𠀀€");
}

#[test]
fn western_and_japanese() {
    assert_eq!(
        decode(b"caf\xe9 \x96 na\xefve\x0d\x0a", 1252),
        "café – naïve\r\n"
    );
    assert_eq!(
        decode(b"\x93\xfa\x96{\x8c\xea\x82\xcc\x83e\x83L\x83X\x83g", 932),
        "日本語のテキスト"
    );
    // The OEM code pages of Western consoles, which encoding_rs lacks.
    assert_eq!(
        decode(b"Zugriff verweigert: \x8e", 437),
        "Zugriff verweigert: Ä"
    );
    assert_eq!(decode(b"\x9b\x9d", 850), "øØ");
    assert_eq!(decode(b"\x9b\x9d", 437), "¢¥");
}

#[test]
fn utf8_wins_line_by_line() {
    // go's own UTF-8 and a wrapper's GBK in one stream: each line keeps its encoding.
    let mut mixed = "go: 下载中\n".as_bytes().to_vec();
    mixed.extend_from_slice(GBK_WRAPPER);
    mixed.extend_from_slice("完成".as_bytes());
    assert_eq!(
        decode(&mixed, 936),
        "go: 下载中\n正在使用 gvm 包装器\r\n完成"
    );
    // Valid UTF-8 is never re-decoded, whatever the code page.
    assert_eq!(
        decode("C:\\Users\\张三".as_bytes(), 1252),
        "C:\\Users\\张三"
    );
}

#[test]
fn invalid_bytes_and_unknown_code_pages() {
    // A lead byte cut off at the end of the output.
    assert_eq!(decode(b"abc\x81", 936), "abc\u{FFFD}");
    // A code page gomedic does not know: lossy UTF-8, never a panic.
    assert_eq!(decode(b"a\xffb", 12345), "a\u{FFFD}b");
    assert!(!known_codepage(12345));
    assert_eq!(decode(b"", 936), "");
    // Unknown code pages are skipped; the first that decodes cleanly wins.
    assert_eq!(decode_with(GBK_ACCESS_DENIED, &[12345, 936]), "拒绝访问。");
    // A lone half-width katakana byte: broken GBK, clean Shift-JIS.
    assert_eq!(decode_with(b"\xb1", &[936, 932]), "ｱ");
    // None decodes cleanly: the first known one's text.
    assert_eq!(decode_with(b"x\x81", &[0, 936]), "x\u{FFFD}");
}

#[test]
fn oem_tables_are_complete() {
    for t in [&CP437, &CP850] {
        assert!(t.iter().all(|c| *c != '\0' && *c != '\u{FFFD}'));
    }
    assert_eq!(CP437[127], '\u{a0}');
    assert_eq!(CP850[0xF1 - 0x80], '\u{b1}');
}

#[test]
fn message_inserts() {
    let go = r"C:\Users\张三\go.exe";
    // Wine's English and Chinese texts of ERROR_BAD_EXE_FORMAT, and Windows' own.
    assert_eq!(
        fill_inserts("Bad EXE format for %1.", &[go]),
        format!("Bad EXE format for {go}.")
    );
    assert_eq!(
        fill_inserts("%1 的 EXE 格式无效。", &[go]),
        format!("{go} 的 EXE 格式无效。")
    );
    assert_eq!(
        fill_inserts("%1 is not a valid Win32 application. (os error 193)", &[go]),
        format!("{go} is not a valid Win32 application. (os error 193)")
    );
    assert_eq!(
        fill_inserts("%1 不是有效的 Win32 应用程序。", &[]),
        "the file 不是有效的 Win32 应用程序。"
    );
    // NTSTATUS texts use printf inserts.
    assert_eq!(
        fill_inserts(
            "{Bad Image} %hs is either not designed to run on Windows or it contains an error.",
            &[go]
        ),
        format!(
            "{{Bad Image}} {go} is either not designed to run on Windows or it contains an error."
        )
    );
    assert_eq!(fill_inserts("%2!s! and %1!d!", &["a", "b"]), "b and a");
    assert_eq!(fill_inserts("100%% done%n%0 ignored", &[]), "100% done\n");
    assert_eq!(fill_inserts("50% off, %x", &[]), "50% off, %x");
    assert_eq!(fill_inserts("trailing %", &[]), "trailing %");
}

#[test]
fn inserts_in_program_output() {
    assert_eq!(
        fill_inserts_in_line(
            r"fork/exec C:\Users\张三\AppData\Local\Temp\go-build1\b001\exe\app.exe: %1 is not a valid Win32 application."
        ),
        r"fork/exec C:\Users\张三\AppData\Local\Temp\go-build1\b001\exe\app.exe: C:\Users\张三\AppData\Local\Temp\go-build1\b001\exe\app.exe is not a valid Win32 application."
    );
    // Paths with spaces; Rust's io::Error text after gomedic's `path: `.
    assert_eq!(
        fill_inserts_in_line(
            r"C:\Program Files\Go\bin\go.exe: Bad EXE format for %1. (os error 193)"
        ),
        r"C:\Program Files\Go\bin\go.exe: Bad EXE format for C:\Program Files\Go\bin\go.exe. (os error 193)"
    );
    assert_eq!(
        fill_inserts_in_line(r#"exec: "C:\t\a b.exe": %1 的 EXE 格式无效。"#),
        r#"exec: "C:\t\a b.exe": C:\t\a b.exe 的 EXE 格式无效。"#
    );
    // No subject: the generic word.
    assert_eq!(fill_inserts_in_line("%1 is bad"), "the file is bad");
    // URL escapes are left alone.
    let url = "go: GET https://proxy.example/%21x/@v/list: 404 %2F";
    assert_eq!(fill_inserts_in_line(url), url);
    assert_eq!(
        fill_inserts_in_text("ok\nopen C:\\x: %1 locked\n"),
        "ok\nopen C:\\x: C:\\x locked\n"
    );
}
