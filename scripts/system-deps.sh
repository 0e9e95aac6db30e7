#!/bin/sh
# WeasyPrint draws text with Pango (>= 1.44): required. HarfBuzz-Subset lets it embed only the
# glyphs a PDF uses, which keeps files small: wanted. Noto's fonts draw the scripts the bundled
# Charis and Inter lack (Chinese, Japanese, Korean, Indic, Thai, ...): without them a feed in
# such a script prints as empty boxes: wanted. All come from Debian's packages.
have() { ldconfig -p 2>/dev/null | grep -q "$1"; }
pango_ok() { have 'libpango-1.0.so.0' && have 'libpangoft2-1.0.so.0'; }
font_for() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list ":lang=$1" family)" ]; }
fonts_ok() { font_for zh && font_for ja && font_for ko && font_for hi && font_for kn; }
if pango_ok && have 'libharfbuzz-subset.so.0' && fonts_ok; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Pango, HarfBuzz-Subset and fonts for WeasyPrint (apt-get)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    fonts-noto-core fonts-noto-cjk >/dev/null || exit $?
  fonts_ok || { echo "fonts-noto-core and fonts-noto-cjk left a script without a font" >&2; exit 1; }
  exit 0
fi
if pango_ok; then
  have 'libharfbuzz-subset.so.0' ||
    echo "note: libharfbuzz-subset0 is missing; PDFs will embed whole fonts (larger files)." >&2
  fonts_ok ||
    echo "note: no font for some scripts (Chinese, Indic, ...); install fonts-noto-core and" \
      "fonts-noto-cjk, or PDFs will show boxes for them." >&2
  exit 0
fi
echo "WeasyPrint needs Pango: install libpango-1.0-0 and libpangoft2-1.0-0 (or your system's" >&2
echo "equivalent): https://doc.courtbouillon.org/weasyprint/stable/first_steps.html" >&2
exit 1
