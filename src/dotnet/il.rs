//! CIL method bodies (ECMA-335 II.25.4) and their instructions (III).
//!
//! Pure functions over hostile bytes: [`body`] reads a tiny or fat header
//! and bounds the code (and skips the extra data sections, checking their
//! headers); [`Instructions`] decodes the code one instruction at a time,
//! with the operand of every opcode skipped by its size, and keeps the
//! operands iisweep uses (`call`, `callvirt`, `newobj`, `jmp`, `ldftn`,
//! `ldvirtftn`, `ldstr`, `ldtoken`). Nothing here allocates from a
//! file-supplied count; a malformed body or instruction ends decoding with
//! an error, never a panic.

use crate::util::u32_at;

/// A method body's code, bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Body<'a> {
    /// The IL bytes.
    pub code: &'a [u8],
}

/// Largest code size read from one body (the reader's cap, not the CLR's).
pub(crate) const MAX_CODE_SIZE: usize = 1 << 20;

/// Reads the method body at the start of `d` (the bytes from the method's
/// RVA to the end of its section).
pub(crate) fn body(d: &[u8]) -> Result<Body<'_>, String> {
    let Some(&first) = d.first() else {
        return Err("method body past the end of its section".into());
    };
    match first & 0x3 {
        0x2 => {
            // Tiny: code size in the upper 6 bits.
            let size = (first >> 2) as usize;
            let code = d
                .get(1..1 + size)
                .ok_or_else(|| format!("tiny method body of {size} bytes runs past its section"))?;
            Ok(Body { code })
        }
        0x3 => {
            let flags = u16::from_le_bytes([first, *d.get(1).unwrap_or(&0)]);
            let header_dwords = (flags >> 12) as usize;
            if header_dwords < 3 {
                return Err(format!(
                    "fat method header size {} dwords (at least 3)",
                    header_dwords
                ));
            }
            let size = u32_at(d, 4).ok_or("fat method header truncated")? as usize;
            if size > MAX_CODE_SIZE {
                return Err(format!(
                    "method code of {size} bytes exceeds the cap of {MAX_CODE_SIZE}"
                ));
            }
            let start = header_dwords * 4;
            let code = d
                .get(start..start + size)
                .ok_or_else(|| format!("fat method body of {size} bytes runs past its section"))?;
            if flags & 0x8 != 0 {
                // CorILMethod_MoreSects: extra sections follow, 4-byte aligned.
                check_sections(d, (start + size + 3) & !3)?;
            }
            Ok(Body { code })
        }
        _ => Err(format!(
            "method body header byte 0x{first:02x} is neither tiny nor fat"
        )),
    }
}

/// Most extra data sections followed after one body.
const MAX_SECTIONS: usize = 64;

/// Walks the extra data sections (exception clauses) after a fat body:
/// each must fit in the data. Their contents are not needed.
fn check_sections(d: &[u8], mut at: usize) -> Result<(), String> {
    for _ in 0..MAX_SECTIONS {
        let kind = *d
            .get(at)
            .ok_or("method data section past the end of its section")?;
        let (len, more) = if kind & 0x40 != 0 {
            // CorILMethod_Sect_FatFormat: 24-bit size.
            let b = d
                .get(at + 1..at + 4)
                .ok_or("fat data section header truncated")?;
            (
                u32::from_le_bytes([b[0], b[1], b[2], 0]) as usize,
                kind & 0x80 != 0,
            )
        } else {
            (
                *d.get(at + 1).ok_or("data section header truncated")? as usize,
                kind & 0x80 != 0,
            )
        };
        if len < 4 || at.checked_add(len).is_none_or(|e| e > d.len()) {
            return Err(format!("method data section of {len} bytes does not fit"));
        }
        if !more {
            return Ok(());
        }
        at = (at + len + 3) & !3;
    }
    Err(format!("more than {MAX_SECTIONS} method data sections"))
}

/// What an instruction does that iisweep follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `call`, `callvirt` or `jmp` (token: MethodDef, MemberRef or MethodSpec).
    Call(u32),
    /// `newobj` (a constructor token).
    NewObj(u32),
    /// `ldftn` / `ldvirtftn` (a method token; a delegate's target).
    LoadFn(u32),
    /// `ldstr` (a `#US` offset, the token's low 24 bits).
    LdStr(u32),
    /// `ldtoken` (any token).
    LdToken(u32),
    /// `ldsfld` (a field token).
    LdsFld(u32),
    /// `ldfld` (a field token).
    LdFld(u32),
    /// `stfld` (a field token).
    StFld(u32),
    /// `stsfld` (a field token).
    StsFld(u32),
    /// `ldloc*` (a local's index).
    LdLoc(u16),
    /// `stloc*` (a local's index).
    StLoc(u16),
    /// Any other instruction.
    Other,
}

/// Operand sizes of the one-byte opcodes, `u8::MAX` for unused opcodes
/// and `SWITCH` for `switch`.
const SWITCH: u8 = 0xFE;
const BAD: u8 = 0xFF;

fn operand_size(op: u8) -> u8 {
    match op {
        0x00..=0x0D => 0,
        0x0E..=0x13 => 1, // ldarg.s .. stloc.s
        0x14..=0x1E => 0, // ldnull, ldc.i4.m1 .. ldc.i4.8
        0x1F => 1,        // ldc.i4.s
        0x20 => 4,        // ldc.i4
        0x21 => 8,        // ldc.i8
        0x22 => 4,        // ldc.r4
        0x23 => 8,        // ldc.r8
        0x25 | 0x26 => 0, // dup, pop
        0x27..=0x29 => 4, // jmp, call, calli
        0x2A => 0,        // ret
        0x2B..=0x37 => 1, // short branches
        0x38..=0x44 => 4, // long branches
        0x45 => SWITCH,
        0x46..=0x6E => 0, // ldind.*, stind.*, arithmetic, conv.*
        0x6F..=0x75 => 4, // callvirt, cpobj, ldobj, ldstr, newobj, castclass, isinst
        0x76 => 0,        // conv.r.un
        0x79 => 4,        // unbox
        0x7A => 0,        // throw
        0x7B..=0x81 => 4, // ldfld .. stobj
        0x82..=0x8B => 0, // conv.ovf.*.un
        0x8C | 0x8D => 4, // box, newarr
        0x8E => 0,        // ldlen
        0x8F => 4,        // ldelema
        0x90..=0xA2 => 0, // ldelem.*, stelem.*
        0xA3..=0xA5 => 4, // ldelem, stelem, unbox.any
        0xB3..=0xBA => 0, // conv.ovf.*
        0xC2 => 4,        // refanyval
        0xC3 => 0,        // ckfinite
        0xC6 => 4,        // mkrefany
        0xD0 => 4,        // ldtoken
        0xD1..=0xDC => 0, // conv.*, add.ovf .. endfinally
        0xDD => 4,        // leave
        0xDE => 1,        // leave.s
        0xDF | 0xE0 => 0, // stind.i, conv.u
        _ => BAD,
    }
}

/// Operand sizes of the two-byte (`0xFE`-prefixed) opcodes.
fn operand_size_fe(op: u8) -> u8 {
    match op {
        0x00..=0x05 => 0, // arglist, ceq, cgt, cgt.un, clt, clt.un
        0x06 | 0x07 => 4, // ldftn, ldvirtftn
        0x09..=0x0E => 2, // ldarg, ldarga, starg, ldloc, ldloca, stloc
        0x0F | 0x11 => 0, // localloc, endfilter
        0x12 => 1,        // unaligned.
        0x13 | 0x14 => 0, // volatile., tail.
        0x15 | 0x16 => 4, // initobj, constrained.
        0x17 | 0x18 => 0, // cpblk, initblk
        0x19 => 1,        // no.
        0x1A => 0,        // rethrow
        0x1C => 4,        // sizeof
        0x1D | 0x1E => 0, // refanytype, readonly.
        _ => BAD,
    }
}

/// Decodes the instructions of one body's code.
pub(crate) struct Instructions<'a> {
    code: &'a [u8],
    pos: usize,
    /// Set when decoding stopped at a malformed instruction.
    pub error: Option<String>,
}

impl<'a> Instructions<'a> {
    /// Instructions of `code`, from its start.
    pub(crate) fn new(code: &'a [u8]) -> Self {
        Instructions {
            code,
            pos: 0,
            error: None,
        }
    }

    fn fail(&mut self, what: String) -> Option<Op> {
        self.error = Some(what);
        self.pos = self.code.len();
        None
    }
}

impl Iterator for Instructions<'_> {
    type Item = Op;

    fn next(&mut self) -> Option<Op> {
        let at = self.pos;
        let &b = self.code.get(at)?;
        let (size, opnd_at, two) = if b == 0xFE {
            let Some(&b2) = self.code.get(at + 1) else {
                return self.fail(format!("IL offset 0x{at:x}: truncated two-byte opcode"));
            };
            (operand_size_fe(b2), at + 2, Some(b2))
        } else {
            (operand_size(b), at + 1, None)
        };
        let len = match size {
            BAD => {
                let name = two.map_or(format!("0x{b:02x}"), |b2| format!("0xfe 0x{b2:02x}"));
                return self.fail(format!("IL offset 0x{at:x}: invalid opcode {name}"));
            }
            SWITCH => {
                let Some(n) = u32_at(self.code, opnd_at) else {
                    return self.fail(format!("IL offset 0x{at:x}: truncated switch"));
                };
                match (n as usize).checked_mul(4).and_then(|x| x.checked_add(4)) {
                    Some(l) => l,
                    None => return self.fail(format!("IL offset 0x{at:x}: switch of {n} targets")),
                }
            }
            s => s as usize,
        };
        let end = opnd_at.saturating_add(len);
        if end > self.code.len() {
            return self.fail(format!("IL offset 0x{at:x}: operand runs past the code"));
        }
        self.pos = end;
        let tok = || u32_at(self.code, opnd_at).unwrap_or(0);
        let u8_op = || self.code.get(opnd_at).copied().unwrap_or(0) as u16;
        let u16_op = || {
            u16::from_le_bytes([
                self.code.get(opnd_at).copied().unwrap_or(0),
                self.code.get(opnd_at + 1).copied().unwrap_or(0),
            ])
        };
        Some(match (two, b) {
            (None, 0x06..=0x09) => Op::LdLoc((b - 0x06) as u16),
            (None, 0x0A..=0x0D) => Op::StLoc((b - 0x0A) as u16),
            (None, 0x11) => Op::LdLoc(u8_op()),
            (None, 0x13) => Op::StLoc(u8_op()),
            (Some(0x0C), _) => Op::LdLoc(u16_op()),
            (Some(0x0E), _) => Op::StLoc(u16_op()),
            (None, 0x7E) => Op::LdsFld(tok()),
            (None, 0x7B) => Op::LdFld(tok()),
            (None, 0x7D) => Op::StFld(tok()),
            (None, 0x80) => Op::StsFld(tok()),
            (None, 0x27 | 0x28 | 0x6F) => Op::Call(tok()),
            (None, 0x73) => Op::NewObj(tok()),
            (None, 0x72) => Op::LdStr(tok() & 0x00FF_FFFF),
            (None, 0xD0) => Op::LdToken(tok()),
            (Some(0x06 | 0x07), _) => Op::LoadFn(tok()),
            _ => Op::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_and_fat_headers() {
        // Tiny: 3 bytes of code (ldstr would not fit; use nop nop ret).
        let d = [(3 << 2) | 2, 0x00, 0x00, 0x2A, 0xFF];
        let b = body(&d).unwrap();
        assert_eq!(b.code, &[0x00, 0x00, 0x2A]);
        // Tiny running past the data.
        assert!(body(&[(9 << 2) | 2, 0]).is_err());
        // Fat: flags 0x3013 (fat, init locals, 3 dwords), max stack 8, size 1.
        let mut f = vec![0x13, 0x30, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x2A];
        let b = body(&f).unwrap();
        assert_eq!(b.code, &[0x2A]);
        // MoreSects with a small section that fits.
        f[0] = 0x1B;
        f.extend_from_slice(&[0, 0, 0]); // pad to 16
        f.extend_from_slice(&[0x01, 16, 0, 0]);
        f.extend_from_slice(&[0; 12]);
        assert!(body(&f).is_ok());
        // ... and one that does not.
        f.truncate(f.len() - 4);
        assert!(body(&f).is_err());
        // Header size below 3 dwords, absurd code size.
        assert!(body(&[0x03, 0x10, 8, 0, 1, 0, 0, 0]).is_err());
        assert!(body(&[0x03, 0x30, 8, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0]).is_err());
        assert!(body(&[0x00]).is_err());
        assert!(body(&[]).is_err());
    }

    #[test]
    fn decodes_the_operands_it_follows() {
        let code = [
            0x72, 0x01, 0x00, 0x00, 0x70, // ldstr 0x70000001
            0x28, 0x05, 0x00, 0x00, 0x0A, // call MemberRef 5
            0xFE, 0x06, 0x02, 0x00, 0x00, 0x06, // ldftn MethodDef 2
            0x73, 0x07, 0x00, 0x00, 0x0A, // newobj MemberRef 7
            0x45, 0x02, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, // switch (2)
            0x20, 1, 2, 3, 4, // ldc.i4
            0xFE, 0x0C, 1, 0, // ldloc 1
            0x6F, 0x03, 0x00, 0x00, 0x0A, // callvirt MemberRef 3
            0xD0, 0x01, 0x00, 0x00, 0x02, // ldtoken TypeDef 1
            0x2A,
        ];
        let mut it = Instructions::new(&code);
        let ops: Vec<Op> = it.by_ref().collect();
        assert!(it.error.is_none());
        assert_eq!(
            ops,
            vec![
                Op::LdStr(1),
                Op::Call(0x0A00_0005),
                Op::LoadFn(0x0600_0002),
                Op::NewObj(0x0A00_0007),
                Op::Other,
                Op::Other,
                Op::LdLoc(1),
                Op::Call(0x0A00_0003),
                Op::LdToken(0x0200_0001),
                Op::Other,
            ]
        );
    }

    #[test]
    fn malformed_code_stops_with_an_error() {
        for code in [
            &[0x28, 0x01][..],                   // call with a short token
            &[0xFE][..],                         // lone prefix
            &[0xA6][..],                         // unused opcode
            &[0xFE, 0x08][..],                   // unused two-byte opcode
            &[0x45, 0xFF, 0xFF, 0xFF, 0xFF][..], // huge switch
            &[0x45, 0x01, 0x00, 0x00, 0x00][..], // switch without targets
        ] {
            let mut it = Instructions::new(code);
            let n = it.by_ref().count();
            assert_eq!(n, 0, "{code:02x?}");
            assert!(it.error.is_some(), "{code:02x?}");
        }
    }

    /// Every byte string decodes without panicking, and ends.
    #[test]
    fn arbitrary_bytes_terminate() {
        let mut x: u32 = 0x1234_5678;
        for len in 0..300usize {
            let v: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = body(&v);
            assert!(Instructions::new(&v).count() <= v.len());
        }
    }
}
