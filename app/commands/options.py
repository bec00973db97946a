"""The lifter's command-line options, defined once for every command that lifts (lift, app, bench, eval, score):
their flags, choices and help, with the choices and defaults of lifting.stream_defaults (torch-free, so `--help`
stays fast)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lifting import stream_defaults


@dataclass(frozen=True)
class _Option:
    flags: tuple[str, ...]
    help: str
    shown_default: object  # the default the help names when the command leaves the value (None) to the lifter
    choices: tuple[str, ...] | None = None
    type: type | None = None
    switch: bool = False  # an on/off flag (store_true)
    negative: bool = False  # a switch that turns the option off (its value False when given, else None)


_OPTIONS = {
    "device": _Option(("--device",), "where to run the lifter", None, choices=stream_defaults.DEVICES),
    "mode": _Option(
        ("--mode",),
        "causal: newest frame of each window, no delay; centred: middle frame, 13 frames later",
        stream_defaults.DEFAULT_MODE,
        choices=stream_defaults.MODES,
    ),
    "stride": _Option(
        ("--stride",),
        "a window every N frames, overlapping results averaged",
        stream_defaults.DEFAULT_STRIDE,
        type=int,
    ),
    "steps": _Option(
        ("--steps", "-k"),
        "sampler steps per window (50 = the paper's full DDPM loop)",
        stream_defaults.DEFAULT_STEPS,
        type=int,
    ),
    "hypotheses": _Option(
        ("--hypotheses", "-H"),
        "diffusion hypotheses averaged per window",
        stream_defaults.DEFAULT_HYPOTHESES,
        type=int,
    ),
    "sampler": _Option(
        ("--sampler",),
        "reverse-diffusion sampler",
        stream_defaults.DEFAULT_SAMPLER,
        choices=stream_defaults.SAMPLERS,
    ),
    "seed": _Option(("--seed",), "sampling seed", None, type=int),
    "flip": _Option(
        ("--flip",),
        "test-time flip augmentation: also lift each window mirrored and average the two (twice the lifting time)",
        "off",
        switch=True,
    ),
    "joints": _Option(
        ("--joints",),
        "torso and head points of the output: 'landmarks' (the 2D detector's: thorax at mid-shoulders, neck at the "
        "nose, head at mid-eyes, as MediaPipe's own 3D) or 'centres' (the mocap joint centres the models output)",
        stream_defaults.DEFAULT_JOINTS,
        choices=stream_defaults.JOINT_DEFINITIONS,
    ),
    "fit_2d": _Option(
        ("--fit-2d",),
        "move each seen joint this fraction (0..1) of the way, at its lifted depth, to the camera ray of its 2D "
        "keypoint, keeping the lifted bone lengths: the bone directions follow the image more closely (README, "
        "'The 2D fit'; 0 = off)",
        stream_defaults.DEFAULT_FIT_2D,
        type=float,
    ),
    "steady_bones": _Option(
        ("--no-steady-bones",),
        "let each pose keep the segment lengths its window gave it (by default every pose takes one left/right-"
        "symmetric skeleton, the running mean of the lengths lifted so far, lifting.steady_bones)",
        "steady bones",
        switch=True,
        negative=True,
    ),
    "root_filter": _Option(
        ("--no-root-filter",),
        "do not smooth the root trajectory (by default a causal constant-velocity Kalman filter removes its "
        "frame-to-frame shake, lifting.root_filter; the app's View panel has it as a checkbox)",
        "smoothed",
        switch=True,
        negative=True,
    ),
    "threads": _Option(
        ("--threads",),
        "torch CPU threads",
        "CPU cores - 1, at least 1: one core is left to the detector thread",  # stream_defaults.torch_threads
        type=int,
    ),
}
LIFTER_OPTIONS = tuple(_OPTIONS)
COMMAND_DEFAULTS = {"device": "auto", "seed": 0}  # set by the command line, not left to the lifter
SEVERAL = ("steps", "hypotheses")  # the options that can take several values (one run each)


def add_lifter_arguments(
    parser: argparse.ArgumentParser,
    names: Sequence[str] = LIFTER_OPTIONS,
    *,
    defaults: Mapping[str, object] | None = None,
    several: bool = False,
    shown: Mapping[str, str] | None = None,
) -> None:
    """Add the lifter options `names` to `parser`, in that order. An option's value is None when it is not given
    (the lifter's own default, named in its help) unless COMMAND_DEFAULTS or this command's `defaults` set one.
    `several`: --steps and --hypotheses take one or more values. `shown`: the default a help names instead, for
    an option the command resolves itself."""
    chosen = {**COMMAND_DEFAULTS, **(defaults or {})}
    for name in names:
        option = _OPTIONS[name]
        if option.switch and option.negative:
            parser.add_argument(*option.flags, dest=name, action="store_const", const=False, help=option.help)
            continue
        if option.switch:
            parser.add_argument(*option.flags, action="store_true", help=option.help)
            continue
        shown_default = (shown or {}).get(name, "%(default)s" if name in chosen else option.shown_default)
        keywords = {k: v for k, v in (("choices", option.choices), ("type", option.type)) if v is not None}
        if several and name in SEVERAL:
            keywords["nargs"] = "+"
        parser.add_argument(
            *option.flags,
            **keywords,
            default=chosen.get(name),
            help=f"{option.help} (default: {shown_default})",
        )


def given_lifter_options(args: argparse.Namespace, names: Sequence[str]) -> dict:
    """The StreamingLifter options among `names` that this command line sets (given, or defaulted by the
    command): {name: value}, without those left to the lifter (None, or an on-switch not given)."""
    values = {}
    for name in names:
        option, value = _OPTIONS[name], getattr(args, name, None)
        if option.switch and not option.negative and not value:
            continue  # store_true's False means "not given" here
        if value is not None:
            values[name] = value
    return values
