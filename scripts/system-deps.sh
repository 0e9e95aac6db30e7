#!/bin/sh
# WeasyPrint draws text with Pango (>= 1.44): required. HarfBuzz-Subset lets it embed only the
# glyphs a PDF uses, which keeps files small: wanted. Both come from Debian's packages.
have() { ldconfig -p 2>/dev/null | grep -q "$1"; }
pango_ok() { have 'libpango-1.0.so.0' && have 'libpangoft2-1.0.so.0'; }
if pango_ok && have 'libharfbuzz-subset.so.0'; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Pango and HarfBuzz-Subset for WeasyPrint (apt-get)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
  exit $?
fi
if pango_ok; then
  echo "note: libharfbuzz-subset0 is missing; PDFs will embed whole fonts (larger files)." >&2
  exit 0
fi
echo "WeasyPrint needs Pango: install libpango-1.0-0 and libpangoft2-1.0-0 (or your system's" >&2
echo "equivalent): https://doc.courtbouillon.org/weasyprint/stable/first_steps.html" >&2
exit 1
