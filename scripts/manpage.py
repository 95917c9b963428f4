#!/usr/bin/env python3
"""A man page (man(7) macros, UTF-8) from a command's own help: `PROGRAM --experimental-dump-help`.

argument-parser's generate-manual drops every character outside ASCII, which would leave the Chinese terms
(工时, 午餐费补贴, 阳光基地) out of the pages the staff read; this keeps them. man-db reads UTF-8 pages.

Usage: python3 scripts/manpage.py BINARY VERSION > NAME.1
"""
import json
import subprocess
import sys


def escape(text):
    """Text safe in a man page line: backslashes doubled, a leading dot or quote made literal."""
    lines = []
    for line in text.replace("\\", "\\e").splitlines():
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def option_label(argument):
    names = []
    for name in argument.get("names", []):
        names.append(("-" if name["kind"] == "short" else "--") + name["name"])
    if argument["kind"] == "positional":
        return "\\fI<" + argument.get("valueName", "value") + ">\\fR"
    label = ", ".join("\\fB" + n.replace("-", "\\-") + "\\fR" for n in names)
    if argument["kind"] == "option":
        label += " \\fI<" + argument.get("valueName", "value") + ">\\fR"
    return label


def command(out, node, path, level):
    name = " ".join(path)
    out.append('.SH "%s"' % name.upper() if level == 1 else '.SS "%s"' % name)
    if node.get("abstract"):
        out.append(escape(node["abstract"]))
        out.append(".PP")
    if node.get("discussion"):
        out.append(escape(node["discussion"]))
        out.append(".PP")
    for argument in node.get("arguments", []):
        if not argument.get("shouldDisplay", True) or argument.get("preferredName", {}).get("name") in ("help", "version"):
            continue
        out.append(".TP")
        out.append(option_label(argument))
        out.append(escape(argument.get("abstract", "")) or " ")
    for sub in node.get("subcommands", []):
        if sub.get("shouldDisplay", True):
            command(out, sub, path + [sub["commandName"]], min(level + 1, 2))


def main():
    binary, version = sys.argv[1], sys.argv[2]
    dump = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True).stdout)
    root = dump["command"]
    program = root["commandName"]
    out = ['.TH "%s" "1" "" "%s %s" "User Commands"' % (program.upper(), program, version),
           ".SH NAME", "%s \\- %s" % (program, escape(root.get("abstract", ""))),
           ".SH SYNOPSIS", "\\fB%s\\fR \\fIcommand\\fR [\\fIoptions\\fR]" % program,
           ".SH DESCRIPTION"]
    if root.get("discussion"):
        out.append(escape(root["discussion"]))
    out.append(".PP")
    out.append("Every command: \\fB%s \\fIcommand\\fB \\-\\-help\\fR. Commands:" % program)
    for sub in root.get("subcommands", []):
        if sub.get("shouldDisplay", True):
            out.append(".TP")
            out.append("\\fB" + sub["commandName"] + "\\fR")
            out.append(escape(sub.get("abstract", "")))
    for sub in root.get("subcommands", []):
        if sub.get("shouldDisplay", True):
            command(out, sub, [program, sub["commandName"]], 1)
    out.append(".SH VERSION")
    out.append(version)
    sys.stdout.write("\n".join(out) + "\n")


main()
