//! Windows security state through one narrow interface: Defender (WMI
//! `root\Microsoft\Windows\Defender`), Security Center antivirus products, firewall rules
//! (`root\StandardCimv2`) and Dev Drive volumes. The real implementation exists only on
//! Windows; tests feed [`Snapshot`]s recorded as JSON.

use serde::{Deserialize, Serialize};

/// `MSFT_MpComputerStatus` (the fields gomedic reads).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DefenderStatus {
    #[serde(rename = "AMRunningMode")]
    pub am_running_mode: Option<String>,
    #[serde(rename = "AMServiceEnabled")]
    pub am_service_enabled: Option<bool>,
    pub antivirus_enabled: Option<bool>,
    pub real_time_protection_enabled: Option<bool>,
    pub is_tamper_protected: Option<bool>,
    pub antivirus_signature_last_updated: Option<String>,
}

/// `MSFT_MpPreference` (the fields gomedic reads).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DefenderPrefs {
    pub exclusion_path: Option<Vec<String>>,
    pub exclusion_process: Option<Vec<String>>,
    /// Dev Drive performance mode: 0 enabled, 1 disabled (Defender's own encoding).
    pub performance_mode_status: Option<u32>,
    pub disable_realtime_monitoring: Option<bool>,
}

/// `MSFT_MpThreatDetection` joined with `MSFT_MpThreat` for the name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Detection {
    #[serde(rename = "ThreatID")]
    pub threat_id: Option<i64>,
    pub threat_name: Option<String>,
    pub resources: Option<Vec<String>>,
    pub initial_detection_time: Option<String>,
    pub process_name: Option<String>,
    pub action_success: Option<bool>,
}

/// `root\SecurityCenter2` `AntiVirusProduct`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AvProduct {
    pub display_name: String,
    pub product_state: u32,
    pub path_to_signed_product_exe: Option<String>,
}

impl AvProduct {
    /// Decodes `productState` (undocumented, best effort): (enabled, signatures up to date).
    /// Bits 0xF000: 1 on, 2 snoozed, 3 expired; 0x00F0: 0x10 signatures out of date.
    pub fn state(&self) -> (bool, bool) {
        (
            (self.product_state >> 12) & 0xf == 1,
            self.product_state & 0xf0 != 0x10,
        )
    }

    /// Microsoft's own product (Defender).
    pub fn is_microsoft(&self) -> bool {
        (self.product_state >> 8) & 0xf == 1
    }
}

/// A firewall rule with its program filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FirewallRule {
    pub name: String,
    pub program: Option<String>,
    /// "in" or "out".
    pub direction: String,
    /// "allow" or "block".
    pub action: String,
    pub enabled: bool,
    pub local_ports: Option<String>,
    pub remote_addresses: Option<String>,
}

/// Everything gomedic reads about Windows security, each part with its own error (the
/// common ones: "must be an administrator", 0x800106BA when Defender is not running).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    pub status: Result<DefenderStatus, String>,
    pub prefs: Result<DefenderPrefs, String>,
    pub detections: Result<Vec<Detection>, String>,
    pub products: Result<Vec<AvProduct>, String>,
    pub firewall: Result<Vec<FirewallRule>, String>,
}

/// Exclusion lists hidden from non-administrators read like this.
pub fn is_admin_placeholder(v: &str) -> bool {
    v.starts_with("N/A") && v.to_ascii_lowercase().contains("administrator")
}

/// Reads the live state (Windows), or explains why it cannot.
pub fn snapshot() -> Snapshot {
    #[cfg(windows)]
    {
        imp::snapshot()
    }
    #[cfg(not(windows))]
    {
        let no = || "Windows only".to_string();
        Snapshot {
            status: Err(no()),
            prefs: Err(no()),
            detections: Err(no()),
            products: Err(no()),
            firewall: Err(no()),
        }
    }
}

/// Exclusions gomedic adds or removes as one journaled change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Exclusions {
    pub paths: Vec<String>,
    pub processes: Vec<String>,
}

/// Adds (`add = true`) or removes Defender exclusions through `MSFT_MpPreference`, then
/// reads them back: tamper protection can drop changes that seemed to succeed.
pub fn change_exclusions(ex: &Exclusions, add: bool) -> Result<(), String> {
    #[cfg(windows)]
    {
        imp::change_exclusions(ex, add)?;
        let now = match snapshot().prefs {
            Ok(p) => p,
            Err(e) => return Err(format!("changed, but cannot read the exclusions back: {e}")),
        };
        let have = |list: &Option<Vec<String>>, x: &str| {
            list.iter().flatten().any(|e| e.eq_ignore_ascii_case(x))
        };
        let wrong: Vec<&String> = ex
            .paths
            .iter()
            .filter(|p| have(&now.exclusion_path, p) != add)
            .chain(
                ex.processes
                    .iter()
                    .filter(|p| have(&now.exclusion_process, p) != add),
            )
            .collect();
        if !wrong.is_empty() {
            return Err(format!(
                "Defender reports success but {} did not change ({}): tamper protection or a management policy (Intune, Group Policy) overrides local exclusions",
                wrong.len(),
                wrong.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(())
    }
    #[cfg(not(windows))]
    {
        let _ = (ex, add);
        Err("Defender exclusions can only be changed on Windows".into())
    }
}

/// A firewall rule gomedic owns (by its unique name).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct OwnedRule {
    pub name: String,
    pub local_ports: String,
    pub remote_address: String,
}

fn netsh(args: &[String]) -> Result<crate::exec::Output, String> {
    let mut spec = crate::exec::Spec::new("netsh", &[], std::time::Duration::from_secs(30));
    spec.args = args.iter().map(std::ffi::OsString::from).collect();
    crate::exec::run(&spec).map_err(|e| format!("netsh could not run: {e:?}"))
}

/// Whether a rule with this name exists.
pub fn rule_exists(name: &str) -> Result<bool, String> {
    if !cfg!(windows) {
        return Err("the Windows Firewall exists only on Windows".into());
    }
    let o = netsh(&[
        "advfirewall".into(),
        "firewall".into(),
        "show".into(),
        "rule".into(),
        format!("name={name}"),
    ])?;
    Ok(o.success())
}

/// Adds (idempotently) or deletes an inbound allow rule for TCP ports from one address.
pub fn change_rule(r: &OwnedRule, add: bool) -> Result<(), String> {
    if !cfg!(windows) {
        return Err("the Windows Firewall exists only on Windows".into());
    }
    let exists = rule_exists(&r.name)?;
    if add == exists {
        return Ok(());
    }
    let args: Vec<String> = if add {
        vec![
            "advfirewall".into(),
            "firewall".into(),
            "add".into(),
            "rule".into(),
            format!("name={}", r.name),
            "dir=in".into(),
            "action=allow".into(),
            "protocol=TCP".into(),
            format!("localport={}", r.local_ports),
            format!("remoteip={}", r.remote_address),
            "enable=yes".into(),
        ]
    } else {
        vec![
            "advfirewall".into(),
            "firewall".into(),
            "delete".into(),
            "rule".into(),
            format!("name={}", r.name),
        ]
    };
    let o = netsh(&args)?;
    if !o.success() {
        return Err(format!(
            "netsh {}: {}{} (administrator rights are needed)",
            if add { "add rule" } else { "delete rule" },
            o.stdout_str().trim(),
            o.stderr_str().trim()
        ));
    }
    match rule_exists(&r.name)? {
        e if e == add => Ok(()),
        _ => Err(
            "the firewall did not keep the change (a management policy may override local rules)"
                .into(),
        ),
    }
}

/// An App Control / Smart App Control event about one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CiEvent {
    pub event_id: u32,
    pub time: String,
    pub file: String,
    pub process: String,
}

fn xml_attr<'a>(xml: &'a str, tag: &str, attr: &str) -> Option<&'a str> {
    let at = xml.find(&format!("<{tag}"))?;
    let rest = &xml[at..];
    let end = rest.find('>')?;
    let head = &rest[..end];
    let k = head
        .find(&format!("{attr}='"))
        .map(|i| (i, '\''))
        .or_else(|| head.find(&format!("{attr}=\"")).map(|i| (i, '"')))?;
    let v = &head[k.0 + attr.len() + 2..];
    v.find(k.1).map(|e| &v[..e])
}

fn xml_data<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    for q in ['\'', '"'] {
        let key = format!("<Data Name={q}{name}{q}>");
        if let Some(i) = xml.find(&key) {
            let v = &xml[i + key.len()..];
            return v.find("</Data>").map(|e| &v[..e]);
        }
    }
    None
}

/// Parses a CodeIntegrity/Operational event rendered as XML (3033, 3063, 3076, 3077, 3089).
pub fn parse_ci_event(xml: &str) -> Option<CiEvent> {
    let id: u32 = {
        let i = xml.find("<EventID")?;
        let v = &xml[i..];
        let s = v.find('>')? + 1;
        let e = v.find("</EventID>")?;
        v[s..e].trim().parse().ok()?
    };
    Some(CiEvent {
        event_id: id,
        time: xml_attr(xml, "TimeCreated", "SystemTime")
            .unwrap_or("")
            .to_string(),
        file: xml_data(xml, "File Name")
            .or_else(|| xml_data(xml, "FileNameBuffer"))
            .unwrap_or("")
            .to_string(),
        process: xml_data(xml, "Process Name")
            .or_else(|| xml_data(xml, "ProcessNameBuffer"))
            .unwrap_or("")
            .to_string(),
    })
}

/// Recent App Control / Smart App Control block and audit events (newest first).
pub fn code_integrity_events(max: usize) -> Result<Vec<CiEvent>, String> {
    #[cfg(windows)]
    {
        Ok(imp::query_events(
            "Microsoft-Windows-CodeIntegrity/Operational",
            "*[System[(EventID=3033 or EventID=3063 or EventID=3076 or EventID=3077)]]",
            max,
        )?
        .iter()
        .filter_map(|x| parse_ci_event(x))
        .collect())
    }
    #[cfg(not(windows))]
    {
        let _ = max;
        Err("Windows only".into())
    }
}

/// Whether `path` lives on a Dev Drive, and whether that Dev Drive is trusted (Defender's
/// performance mode applies only to trusted ones). `Ok(None)` when the system cannot tell.
pub fn is_dev_drive(path: &std::path::Path) -> Result<Option<(bool, bool)>, String> {
    #[cfg(windows)]
    {
        imp::is_dev_drive(path)
    }
    #[cfg(not(windows))]
    {
        let _ = path;
        Ok(None)
    }
}

#[cfg(windows)]
mod imp {
    use super::*;
    use std::collections::HashMap;

    fn conn(ns: &str) -> Result<wmi::WMIConnection, String> {
        wmi::WMIConnection::with_namespace_path(ns).map_err(|e| format!("WMI namespace {ns}: {e}"))
    }

    fn one<T: serde::de::DeserializeOwned>(c: &wmi::WMIConnection, q: &str) -> Result<T, String> {
        let mut v: Vec<T> = c.raw_query(q).map_err(|e| format!("{q}: {e}"))?;
        if v.is_empty() {
            return Err(format!("{q}: no instance"));
        }
        Ok(v.remove(0))
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Threat {
        #[serde(rename = "ThreatID")]
        threat_id: i64,
        threat_name: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct NetRule {
        instance_id: String,
        display_name: Option<String>,
        direction: Option<u16>,
        action: Option<u16>,
        enabled: Option<u16>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct AppFilter {
        instance_id: String,
        program: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct PortFilter {
        instance_id: String,
        local_port: Option<Vec<String>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct AddrFilter {
        instance_id: String,
        remote_address: Option<Vec<String>>,
    }

    pub fn snapshot() -> Snapshot {
        let def = conn("ROOT\\Microsoft\\Windows\\Defender");
        let status = def
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|c| one::<DefenderStatus>(c, "SELECT * FROM MSFT_MpComputerStatus"));
        let prefs = def
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|c| one::<DefenderPrefs>(c, "SELECT * FROM MSFT_MpPreference"));
        let detections = def.as_ref().map_err(Clone::clone).and_then(|c| {
            let mut d: Vec<Detection> = c
                .raw_query("SELECT * FROM MSFT_MpThreatDetection")
                .map_err(|e| e.to_string())?;
            let names: Vec<Threat> = c
                .raw_query("SELECT ThreatID, ThreatName FROM MSFT_MpThreat")
                .unwrap_or_default();
            let by_id: HashMap<i64, String> = names
                .into_iter()
                .filter_map(|t| t.threat_name.map(|n| (t.threat_id, n)))
                .collect();
            for x in &mut d {
                if x.threat_name.is_none() {
                    x.threat_name = x.threat_id.and_then(|i| by_id.get(&i).cloned());
                }
            }
            Ok(d)
        });
        let products = conn("ROOT\\SecurityCenter2").and_then(|c| {
            c.raw_query::<AvProduct>("SELECT * FROM AntiVirusProduct")
                .map_err(|e| e.to_string())
        });
        let firewall = conn("ROOT\\StandardCimv2").and_then(|c| {
            let rules: Vec<NetRule> = c.raw_query("SELECT InstanceID, DisplayName, Direction, Action, Enabled FROM MSFT_NetFirewallRule").map_err(|e| e.to_string())?;
            let apps: Vec<AppFilter> = c.raw_query("SELECT InstanceID, Program FROM MSFT_NetFirewallApplicationFilter").unwrap_or_default();
            let ports: Vec<PortFilter> = c.raw_query("SELECT InstanceID, LocalPort FROM MSFT_NetFirewallPortFilter").unwrap_or_default();
            let addrs: Vec<AddrFilter> = c.raw_query("SELECT InstanceID, RemoteAddress FROM MSFT_NetFirewallAddressFilter").unwrap_or_default();
            let app: HashMap<String, String> = apps.into_iter().filter_map(|a| a.program.map(|p| (a.instance_id, p))).collect();
            let port: HashMap<String, String> = ports.into_iter().filter_map(|p| p.local_port.map(|v| (p.instance_id, v.join(",")))).collect();
            let addr: HashMap<String, String> = addrs.into_iter().filter_map(|p| p.remote_address.map(|v| (p.instance_id, v.join(",")))).collect();
            Ok(rules
                .into_iter()
                .map(|r| FirewallRule {
                    program: app.get(&r.instance_id).cloned().filter(|p| p != "Any"),
                    local_ports: port.get(&r.instance_id).cloned(),
                    remote_addresses: addr.get(&r.instance_id).cloned(),
                    name: r.display_name.unwrap_or(r.instance_id),
                    direction: if r.direction == Some(2) { "out".into() } else { "in".into() },
                    action: if r.action == Some(4) { "block".into() } else { "allow".into() },
                    enabled: r.enabled == Some(1),
                })
                .collect())
        });
        Snapshot {
            status,
            prefs,
            detections,
            products,
            firewall,
        }
    }

    #[derive(Deserialize)]
    #[allow(non_camel_case_types, dead_code)]
    struct MSFT_MpPreference {}

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct ExclusionArgs {
        exclusion_path: Vec<String>,
        exclusion_process: Vec<String>,
        force: bool,
    }

    pub fn change_exclusions(ex: &Exclusions, add: bool) -> Result<(), String> {
        let c = conn("ROOT\\Microsoft\\Windows\\Defender")?;
        let args = ExclusionArgs {
            exclusion_path: ex.paths.clone(),
            exclusion_process: ex.processes.clone(),
            force: true,
        };
        let method = if add { "Add" } else { "Remove" };
        let _: HashMap<String, wmi::Variant> = c.exec_class_method::<MSFT_MpPreference, _>(method, args).map_err(|e| {
            let t = e.to_string();
            if t.to_ascii_lowercase().contains("access") || t.contains("0x80070005") {
                format!("MSFT_MpPreference.{method}: {t}: run `gomedic fix` from an elevated (administrator) terminal")
            } else {
                format!("MSFT_MpPreference.{method}: {t}")
            }
        })?;
        Ok(())
    }

    pub fn query_events(channel: &str, xpath: &str, max: usize) -> Result<Vec<String>, String> {
        use windows_sys::Win32::System::EventLog::*;
        let w = |s: &str| -> Vec<u16> { s.encode_utf16().chain(Some(0)).collect() };
        let (c, q) = (w(channel), w(xpath));
        let h = unsafe {
            EvtQuery(
                0,
                c.as_ptr(),
                q.as_ptr(),
                EvtQueryChannelPath | EvtQueryReverseDirection,
            )
        };
        if h == 0 {
            let e = std::io::Error::last_os_error();
            return Err(if e.raw_os_error() == Some(0) {
                format!("{channel}: the event log cannot be opened")
            } else {
                format!("{channel}: {e}")
            });
        }
        let mut out = Vec::new();
        let mut events = [0isize; 16];
        while out.len() < max {
            let mut got = 0u32;
            if unsafe {
                EvtNext(
                    h,
                    events.len() as u32,
                    events.as_mut_ptr(),
                    1000,
                    0,
                    &mut got,
                )
            } == 0
            {
                break;
            }
            for ev in &events[..got as usize] {
                let mut used = 0u32;
                let mut props = 0u32;
                unsafe {
                    EvtRender(
                        0,
                        *ev,
                        EvtRenderEventXml,
                        0,
                        std::ptr::null_mut(),
                        &mut used,
                        &mut props,
                    )
                };
                let mut buf = vec![0u16; (used as usize / 2) + 1];
                if unsafe {
                    EvtRender(
                        0,
                        *ev,
                        EvtRenderEventXml,
                        (buf.len() * 2) as u32,
                        buf.as_mut_ptr().cast(),
                        &mut used,
                        &mut props,
                    )
                } != 0
                {
                    let len = buf.iter().position(|c| *c == 0).unwrap_or(buf.len());
                    out.push(String::from_utf16_lossy(&buf[..len]));
                }
                unsafe { EvtClose(*ev) };
            }
        }
        unsafe { EvtClose(h) };
        Ok(out)
    }

    pub fn is_dev_drive(path: &std::path::Path) -> Result<Option<(bool, bool)>, String> {
        use std::os::windows::ffi::OsStrExt;
        use windows_sys::Win32::Foundation::{CloseHandle, INVALID_HANDLE_VALUE};
        use windows_sys::Win32::Storage::FileSystem::{
            CreateFileW, FILE_FLAG_BACKUP_SEMANTICS, FILE_SHARE_READ, FILE_SHARE_WRITE,
            OPEN_EXISTING,
        };
        use windows_sys::Win32::System::IO::DeviceIoControl;
        const FSCTL_QUERY_PERSISTENT_VOLUME_STATE: u32 = 0x0009_023c;
        const PERSISTENT_VOLUME_STATE_DEV_VOLUME: u32 = 0x0000_2000;
        const PERSISTENT_VOLUME_STATE_TRUSTED_VOLUME: u32 = 0x0000_4000;
        #[repr(C)]
        struct Info {
            volume_flags: u32,
            flag_mask: u32,
            version: u32,
            reserved: u32,
        }
        let mut p = path.to_path_buf();
        while !p.exists() {
            match p.parent() {
                Some(q) => p = q.to_path_buf(),
                None => return Ok(None),
            }
        }
        let wide: Vec<u16> = p.as_os_str().encode_wide().chain(Some(0)).collect();
        unsafe {
            let h = CreateFileW(
                wide.as_ptr(),
                0,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                std::ptr::null(),
                OPEN_EXISTING,
                FILE_FLAG_BACKUP_SEMANTICS,
                std::ptr::null_mut(),
            );
            if h == INVALID_HANDLE_VALUE {
                return Err(std::io::Error::last_os_error().to_string());
            }
            let input = Info {
                volume_flags: 0,
                flag_mask: PERSISTENT_VOLUME_STATE_DEV_VOLUME
                    | PERSISTENT_VOLUME_STATE_TRUSTED_VOLUME,
                version: 1,
                reserved: 0,
            };
            let mut output = Info {
                volume_flags: 0,
                flag_mask: 0,
                version: 0,
                reserved: 0,
            };
            let mut got = 0u32;
            let ok = DeviceIoControl(
                h,
                FSCTL_QUERY_PERSISTENT_VOLUME_STATE,
                &input as *const Info as *const _,
                std::mem::size_of::<Info>() as u32,
                &mut output as *mut Info as *mut _,
                std::mem::size_of::<Info>() as u32,
                &mut got,
                std::ptr::null_mut(),
            );
            CloseHandle(h);
            if ok == 0 {
                return Ok(None);
            }
            Ok(Some((
                output.volume_flags & PERSISTENT_VOLUME_STATE_DEV_VOLUME != 0,
                output.volume_flags & PERSISTENT_VOLUME_STATE_TRUSTED_VOLUME != 0,
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_integrity_event_xml() {
        let xml = r#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-CodeIntegrity' Guid='{4ee76bd8-3cf4-44a0-a0ac-3937643e37a3}'/><EventID>3077</EventID><Version>5</Version><Level>2</Level><TimeCreated SystemTime='2026-11-21T09:30:12.1234567Z'/><Channel>Microsoft-Windows-CodeIntegrity/Operational</Channel></System><EventData><Data Name='File Name'>\Device\HarddiskVolume3\Users\dev\AppData\Local\Temp\go-build123\b001\exe\app.test.exe</Data><Data Name='Process Name'>\Device\HarddiskVolume3\Program Files\Go\bin\go.exe</Data><Data Name='Requested Signing Level'>8</Data></EventData></Event>"#;
        let e = parse_ci_event(xml).unwrap();
        assert_eq!(e.event_id, 3077);
        assert_eq!(e.time, "2026-11-21T09:30:12.1234567Z");
        assert!(e.file.ends_with("app.test.exe"));
        assert!(e.process.ends_with("go.exe"));
        assert!(parse_ci_event("<Event/>").is_none());
    }

    #[test]
    fn recorded_wmi_shapes_deserialize() {
        let s: DefenderStatus = serde_json::from_str(r#"{"AMRunningMode":"Normal","AMServiceEnabled":true,"AntivirusEnabled":true,"RealTimeProtectionEnabled":true,"IsTamperProtected":true,"Unrelated":5}"#).unwrap();
        assert_eq!(s.real_time_protection_enabled, Some(true));
        let p: DefenderPrefs = serde_json::from_str(r#"{"ExclusionPath":["N/A: Must be an administrator to view exclusions"],"ExclusionProcess":null}"#).unwrap();
        assert!(is_admin_placeholder(&p.exclusion_path.unwrap()[0]));
        let av: AvProduct =
            serde_json::from_str(r#"{"displayName":"Contoso AV","productState":266240}"#).unwrap();
        assert_eq!(av.state(), (true, true));
        let off: AvProduct =
            serde_json::from_str(r#"{"displayName":"Windows Defender","productState":393472}"#)
                .unwrap();
        assert_eq!(off.state(), (false, true));
    }
}
