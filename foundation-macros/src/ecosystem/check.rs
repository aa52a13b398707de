//! Checks across members: exactly one coordinator and one pool of workers,
//! and no child that takes the coordinator's id.

use crate::internals::ctxt::Ctxt;

use super::model::*;

/// Records every problem; `true` if there is none.
pub(super) fn check(cx: &Ctxt, target: &Target) -> bool {
    let mut ok = true;
    for (what, attribute, is) in [
        (
            "coordinator",
            "`#[coordinator]`",
            (|m: &Member| matches!(m.role, Role::Coordinator)) as fn(&Member) -> bool,
        ),
        (
            "pool of workers",
            "`#[workers(count = N)]`",
            |m: &Member| matches!(m.role, Role::Workers { .. }),
        ),
    ] {
        let found: Vec<&Member> = target.members.iter().filter(|m| is(m)).collect();
        match found.as_slice() {
            [] => {
                cx.error_spanned_by(
                    &target.ident,
                    format!("an ecosystem has one {what}: mark one field {attribute}"),
                );
                ok = false;
            }
            [_] => {}
            [first, rest @ ..] => {
                for other in rest {
                    cx.error_spanned_by(
                        &other.ident,
                        format!(
                            "an ecosystem has one {what}, and `{}` is it already; make `{}` a `#[child]`",
                            first.ident, other.ident
                        ),
                    );
                }
                ok = false;
            }
        }
    }
    for member in &target.members {
        if matches!(member.role, Role::Child) && member.ident == "coordinator" {
            cx.error_spanned_by(
                &member.ident,
                "a child's id is its field's name, and `coordinator` is the coordinator's: rename the field",
            );
            ok = false;
        }
    }
    ok
}
