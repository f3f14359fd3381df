--[[
zhenxing.lua: pandoc Lua filter used by zhenxing.render for every format.

1. Heading levels. Reports write their sections as `## 一、…` because the title is
   passed separately. The filter shifts every heading so that the topmost level
   becomes 2 in HTML and Typst (the title is the h1 / document title) and 1 in
   DOCX (the title has Word's "Title" style, sections are "Heading 1"…). The
   metadata field `zx-top-level` overrides that choice.
2. Tables. A table without a header row gets its first row promoted to the
   header, so every table has header cells. Column widths never come from the
   separator line's dashes: in HTML they are left to the browser (content-sized);
   in PDF (Typst) and DOCX every table spans the full text width with columns
   in proportion to their content (a long project name wraps inside its cell,
   short columns are not squeezed). In HTML every header cell gets scope="col",
   every body cell a data-label (its column header, for the narrow-screen
   layout), and the table is wrapped in a focusable, labelled region that
   scrolls horizontally on narrow screens.
3. Images. An image without a text alternative is an error: every chart must
   state its numbers in words (reporting spec, accessibility). A chart with a
   vector twin (charts/x.svg beside charts/x.png) uses the SVG in HTML and PDF
   and the PNG in DOCX (Word and WPS do not all show SVG).
4. PDF (Typst): each chart figure is wrapped in `zx-chart` (report.typst),
   which shrinks it to fit the rest of the page or floats it to the next page
   so the text keeps flowing; the provenance block is kept on one page.
]]

local stringify = pandoc.utils.stringify

local function is_html()
  return FORMAT:match('html') ~= nil
end

local function is_typst()
  return FORMAT:match('typst') ~= nil
end

local function is_docx()
  return FORMAT:match('docx') ~= nil
end

local function default_top_level()
  if FORMAT:match('docx') or FORMAT:match('odt') then
    return 1
  end
  return 2
end

local function min_heading_level(doc)
  local min = nil
  doc:walk {
    Header = function(h)
      if min == nil or h.level < min then
        min = h.level
      end
    end,
  }
  return min
end

local function ensure_header(tbl)
  if #tbl.head.rows > 0 then
    return tbl
  end
  for _, body in ipairs(tbl.bodies) do
    if #body.body > 0 then
      local first = table.remove(body.body, 1)
      tbl.head.rows = { first }
      return tbl
    end
  end
  return tbl
end

-- Pipe tables with a long row get column widths from the number of dashes in
-- the separator line (`|:---|:---|` gives equal widths), which squeezes short
-- Chinese columns and lets dates overflow. Let each writer size columns to fit.
local function auto_widths(tbl)
  for i, spec in ipairs(tbl.colspecs) do
    tbl.colspecs[i] = { spec[1], nil }
  end
  return tbl
end

-- Display width of a string: CJK and full-width characters count 2, others 1.
local function text_width(s)
  local w = 0
  for _, c in utf8.codes(s) do
    if c >= 0x2E80 then
      w = w + 2
    else
      w = w + 1.15 -- figures and Latin letters are a little over half an em
    end
  end
  return w
end

local MIN_COL, MAX_COL = 4, 20

local function has_cjk(s)
  for _, c in utf8.codes(s) do
    if c >= 0x2E80 then
      return true
    end
  end
  return false
end

-- Full-width tables (PDF, DOCX): column widths from content. Every column is at least
-- as wide as its widest unbreakable piece (an id, a figure, a date, a short cell of up to
-- six Chinese characters, a header of up to five) and as its header's longest word: a
-- longer header wraps only between its words and its unit ("村集体经济收入 / （万元）",
-- never "村集体经济收 / 入"), the words before the unit kept on one line. The room left
-- is shared in proportion to what each column would need to sit on one line (long text
-- capped, so a project name wraps). When that does not fit at 12pt, the table is set at
-- 10.5pt, then 9pt: a smaller face rather than a broken id or header. Only when even 9pt
-- cannot hold every header's words whole do the ids alone decide the size, and headers
-- are kept whole in the room left, the cheapest first.
-- Returns the font size and the text width at that size (half-em units).
local SIZES = { { 12, 73 }, { 10.5, 84 }, { 9, 98 } } -- pt, text width in half-em units
local SHORT_CELL, SHORT_HEAD, HEAD_PIECE = 12, 10, 17
local PADDING = 3 -- a cell's inset, both sides, in half-em units
local INSET_PT = 10 -- what a cell's inset really takes (Typst 5pt each side, DOCX 100 twips)

local function unbreakable(s, is_head)
  local w = text_width(s)
  if w <= (is_head and SHORT_HEAD or SHORT_CELL) and not s:match('%s') then
    return w, true
  end
  local m = 2
  for tok in s:gmatch('[%w%.%%/:_%-]+') do
    m = math.max(m, text_width(tok))
  end
  for date in s:gmatch('%d+年%d+月%d*日?') do
    -- LibreOffice puts a fifth of an em between figures and Chinese whatever the DOCX
    -- says (Word and WPS do not: docx.py turns "autoSpaceDE" off in table cells); half
    -- of it is allowed here, the other half is in the figures' width (text_width's
    -- 1.15 for LibreOffice's 1), so a date set at 9pt with its column at its minimum
    -- stays on one line
    local _, ends = date:gsub('%d[^%d]', '')
    local _, starts = date:gsub('[^%d]%d', '')
    m = math.max(m, text_width(date) + 0.2 * (ends + starts))
  end
  return m, false
end

-- A header's pieces kept whole: the words before its unit and the unit ("年度补贴（万元）"
-- → "年度补贴", "（万元）"), each of up to about eight characters; nil when a piece is
-- longer (then it wraps where it must).
local function head_pieces(s)
  -- (the unit from the last '（': Lua's [^（）] is a set of bytes, which '户' shares)
  local pre, unit = s:match('^(.*)(（.-）)$')
  local pieces = (pre and pre ~= '') and { pre, unit } or { s }
  local m = 0
  for _, piece in ipairs(pieces) do
    if piece:match('%s') or text_width(piece) > HEAD_PIECE then
      return nil
    end
    m = math.max(m, text_width(piece))
  end
  return pieces, m
end

-- Typst: a header given its pieces wraps only between them (zx-nowrap of report.typst:
-- a box, which Typst moves whole to the next line). A short cell needs no box: its
-- column is at least as wide as it, so it never wraps, and an id or a figure has no
-- break opportunity inside (a date is kept whole by keep_dates below).
local function box_cell(cell, pieces)
  if not is_typst() then
    return
  end
  local out = pandoc.Inlines {}
  for _, piece in ipairs(pieces) do
    out:insert(pandoc.RawInline('typst', '#zx-nowrap['))
    out:insert(pandoc.Str(piece))
    out:insert(pandoc.RawInline('typst', ']'))
  end
  cell.contents = { pandoc.Plain(out) }
end

-- Word and WPS break Chinese text anywhere: a header kept in pieces whose column is too
-- narrow for it on one line gets a line break before its unit (Typst's boxes break there
-- by themselves). `room` is the column's text width, in half-em units; a header within
-- half an em of it is broken too (Word's and LibreOffice's measures are not Typst's).
local function break_cell(cell, pieces, room)
  if not is_docx() or #pieces < 2 or text_width(table.concat(pieces)) <= room - 1 then
    return
  end
  local out = pandoc.Inlines {}
  for k, piece in ipairs(pieces) do
    if k > 1 then
      out:insert(pandoc.LineBreak())
    end
    out:insert(pandoc.Str(piece))
  end
  cell.contents = { pandoc.Plain(out) }
end

-- Typst: a date in a table cell ("2023年6月30日", "2023年6月") kept on one line: a box of
-- a row of its characters, which never wraps whatever the cell's width and adds nothing
-- to the text a reader copies. Done here, date by date, rather than by a show rule over
-- every cell's text in report.typst (which took ~30 % of Typst's time for a township).
local function keep_dates(cell)
  cell.contents = pandoc.Blocks(cell.contents):walk {
    Str = function(str)
      local text, pos, out = str.text, 1, pandoc.Inlines {}
      while true do
        local a, b = text:find('%d%d%d%d年%d%d?月', pos)
        if not a then
          break
        end
        local _, d = text:find('^%d%d?日', b + 1)
        b = d or b
        if a > pos then
          out:insert(pandoc.Str(text:sub(pos, a - 1)))
        end
        -- (';' ends the embedded expression, whatever follows the date)
        out:insert(pandoc.RawInline('typst', '#box(stack(dir: ltr, ..("' .. text:sub(a, b) .. '").clusters()));'))
        pos = b + 1
      end
      if pos == 1 then
        return nil
      end
      if pos <= #text then
        out:insert(pandoc.Str(text:sub(pos)))
      end
      return out
    end,
  }
end

local function sum(t, n)
  local s = 0
  for i = 1, n do
    s = s + t[i]
  end
  return s
end

-- The size, each cell's padding and the columns whose headers are kept in pieces: every
-- header at the largest size where all of them fit whole beside the ids; at 9pt, if need
-- be, with the padding cut to the cell's real inset and a little (TIGHT); else at the
-- size the ids need, the cheapest first, each only where it fits. Widens `min`.
local TIGHT = INSET_PT * 2 / 9 + 0.5

local function fit(heads, min, n)
  local with_heads = {}
  for i = 1, n do
    with_heads[i] = heads[i] and math.max(min[i], heads[i].width) or min[i]
  end
  local last = SIZES[#SIZES]
  for _, s in ipairs(SIZES) do
    for _, pad in ipairs(s == last and { PADDING, TIGHT } or { PADDING }) do
      if sum(with_heads, n) <= s[2] - pad * n then
        for i = 1, n do
          min[i] = with_heads[i]
        end
        return s, pad, heads
      end
    end
  end
  local size = last
  for _, s in ipairs(SIZES) do
    if sum(min, n) <= s[2] - PADDING * n then
      size = s
      break
    end
  end
  local room = size[2] - PADDING * n - sum(min, n)
  local order, kept = {}, {}
  for i, h in pairs(heads) do
    table.insert(order, { i = i, cost = math.max(h.width - min[i], 0) })
  end
  table.sort(order, function(x, y) return x.cost < y.cost or (x.cost == y.cost and x.i < y.i) end)
  for _, o in ipairs(order) do
    if o.cost <= room then
      room = room - o.cost
      min[o.i] = math.max(min[o.i], heads[o.i].width)
      kept[o.i] = heads[o.i]
    end
  end
  return size, PADDING, kept
end

local function proportional_widths(tbl)
  local n = #tbl.colspecs
  if n == 0 then
    return tbl, 12
  end
  local min, nat, heads = {}, {}, {}
  for i = 1, n do
    min[i], nat[i] = 2, 2
  end
  local function visit(rows, is_head)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        if i <= n then
          local s = stringify(cell.contents)
          local w = text_width(s)
          local m, whole = unbreakable(s, is_head)
          if is_head and not whole then
            local pieces, pm = head_pieces(s)
            if pieces then
              heads[i] = heads[i] or { cells = {}, pieces = pieces, width = 0 }
              table.insert(heads[i].cells, { cell = cell, pieces = pieces })
              heads[i].width = math.max(heads[i].width, pm)
            end
          end
          min[i] = math.max(min[i], m)
          nat[i] = math.max(nat[i], math.min(is_head and math.min(w, 10) or w, 40), m)
        end
      end
    end
  end
  visit(tbl.head.rows, true)
  for _, body in ipairs(tbl.bodies) do
    visit(body.body, false)
  end
  local size, pad, kept = fit(heads, min, n)
  local avail = size[2] - pad * n
  local need = sum(min, n)
  for i = 1, n do
    nat[i] = math.max(nat[i], min[i])
  end
  local extra, want = math.max(avail - need, 0), 0
  for i = 1, n do
    want = want + (nat[i] - min[i])
  end
  local width, total = {}, 0
  for i = 1, n do
    local share = want > 0 and extra * (nat[i] - min[i]) / want or 0
    width[i] = min[i] + math.min(share, nat[i] - min[i]) + pad
    total = total + width[i]
  end
  for i, spec in ipairs(tbl.colspecs) do
    tbl.colspecs[i] = { spec[1], width[i] / total }
  end
  for i, h in pairs(kept) do
    -- the column's text width as set: its share of the line less the cell's inset
    local room = width[i] / total * size[2] - INSET_PT * 2 / size[1]
    for _, c in ipairs(h.cells) do
      box_cell(c.cell, c.pieces)
      break_cell(c.cell, c.pieces, room)
    end
  end
  return tbl, size[1]
end

local KEEP_ROWS = 8

local function body_rows(tbl)
  local n = 0
  for _, body in ipairs(tbl.bodies) do
    n = n + #body.body
  end
  return n
end

local function html_table(tbl)
  local labels = {}
  for _, row in ipairs(tbl.head.rows) do
    for i, cell in ipairs(row.cells) do
      cell.attributes.scope = 'col'
      labels[i] = stringify(cell.contents)
    end
  end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for i, cell in ipairs(row.cells) do
        if labels[i] and labels[i] ~= '' then
          cell.attributes['data-label'] = labels[i]
        end
      end
    end
  end
  local label = stringify(tbl.caption.long)
  if label == '' then
    label = '数据表'
  end
  -- attributes as an ordered list of pairs (a Lua table has no order: the HTML would
  -- differ from run to run)
  return pandoc.Div({ tbl }, pandoc.Attr('', { 'table-wrap' }, {
    { 'role', 'region' },
    { 'tabindex', '0' },
    { 'aria-label', label },
  }))
end

local function file_exists(name)
  local paths = { '' }
  for _, dir in ipairs(PANDOC_STATE.resource_path or {}) do
    table.insert(paths, dir .. '/')
  end
  for _, prefix in ipairs(paths) do
    local fh = io.open(prefix .. name, 'rb')
    if fh then
      fh:close()
      return true
    end
  end
  return false
end

-- The vector twin for HTML and PDF, the bitmap for DOCX, when both exist.
local function pick_variant(img)
  local src = img.src
  if src:match('^%a[%w+.-]*:') then
    return img
  end
  local stem, ext = src:match('^(.*)%.(%w+)$')
  if not stem then
    return img
  end
  ext = ext:lower()
  if is_docx() and ext == 'svg' and file_exists(stem .. '.png') then
    img.src = stem .. '.png'
  elseif (is_html() or is_typst()) and ext == 'png' and file_exists(stem .. '.svg') then
    img.src = stem .. '.svg'
  end
  return img
end

local function check_image(img)
  local alt = stringify(img.caption)
  if alt == '' and img.attributes.alt then
    alt = img.attributes.alt
  end
  if alt:match('^%s*$') then
    error('图片缺少替代文字（alt），请用文字说明图中的数字：' .. img.src
      .. ' (image without alt text)')
  end
  return pick_variant(img)
end

local function has_image(fig)
  local found = false
  fig:walk { Image = function() found = true end }
  return found
end

-- Typst: wrap a block in a call of a function of report.typst.
local function typst_call(name, blocks)
  local out = pandoc.Blocks { pandoc.RawBlock('typst', '#' .. name .. '[') }
  out:extend(blocks)
  out:insert(pandoc.RawBlock('typst', ']'))
  return out
end

-- Drop a leading heading that repeats the title (the title is rendered once,
-- from metadata, by the template).
local function drop_repeated_title(doc)
  local title = stringify(doc.meta.title or '')
  local first = doc.blocks[1]
  if title ~= '' and first and first.t == 'Header'
      and stringify(first.content):gsub('%s', '') == title:gsub('%s', '') then
    doc.blocks:remove(1)
  end
end

local function is_print()
  return is_typst() or is_docx()
end

-- A page break before a block (an 附件 starts on a new page).
local function page_break()
  if is_typst() then
    return pandoc.RawBlock('typst', '#pagebreak(weak: true)')
  end
  return pandoc.RawBlock('openxml', '<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
end

-- The document's frame (assemble.py): `.screen` blocks (the body's tables) only in HTML,
-- `.print` blocks (the 附件 gathering them) only in the PDF and DOCX, `.chart` blocks in
-- print only when `zx-charts` is true, each `.annex` heading from a new page, the
-- `.signature` (落款) right-aligned, and in print a link is its text (no "点击").
local function frame(doc)
  local charts = doc.meta['zx-charts'] == true
  if is_print() then
    for _, key in ipairs({ 'zx-provenance', 'zx-nav', 'zx-charts' }) do
      doc.meta[key] = nil
    end
  end
  return doc:walk {
    Div = function(div)
      local c = div.classes
      if c:includes('screen') then
        return is_print() and {} or div.content
      elseif c:includes('print') then
        return is_print() and div.content or {}
      elseif c:includes('chart') then
        if is_print() and not charts then
          return {}
        end
        return div.content
      elseif c:includes('annex') then
        if is_print() then
          local out = pandoc.Blocks { page_break() }
          out:extend(div.content)
          return out
        end
        return div.content
      elseif c:includes('signature') then
        if is_typst() then
          return typst_call('zx-signature', div.content)
        elseif is_docx() then
          div.attributes['custom-style'] = 'Signature'
          return div
        end
        return div
      end
      return nil
    end,
    Link = function(link)
      if is_print() then
        return link.content
      end
      return nil
    end,
  }
end

-- The 落款 never stands alone on a page: in Typst the body's last paragraph is kept with it
-- (a block that sticks to the block after it), so a full last page carries it over too.
local function keep_with_signature(doc)
  local out = pandoc.Blocks {}
  local b = doc.blocks
  for i = 1, #b do
    local nxt = b[i + 1]
    if b[i].t == 'Para' and nxt and nxt.t == 'RawBlock' and nxt.format == 'typst'
        and nxt.text == '#zx-signature[' then
      out:insert(pandoc.RawBlock('typst', '#block(sticky: true)['))
      out:insert(b[i])
      out:insert(pandoc.RawBlock('typst', ']'))
    else
      out:insert(b[i])
    end
  end
  doc.blocks = out
end

function Pandoc(doc)
  doc = frame(doc)
  if is_typst() then
    keep_with_signature(doc)
  end
  drop_repeated_title(doc)
  local top = default_top_level()
  if doc.meta['zx-top-level'] ~= nil then
    top = tonumber(stringify(doc.meta['zx-top-level'])) or top
    doc.meta['zx-top-level'] = nil
  end
  local min = min_heading_level(doc)
  local shift = 0
  if min ~= nil then
    shift = top - min
  end
  return doc:walk {
    Header = function(h)
      h.level = math.max(1, math.min(6, h.level + shift))
      return h
    end,
    Image = check_image,
    Table = function(tbl)
      tbl = ensure_header(tbl)
      if is_html() then
        return html_table(auto_widths(tbl))
      end
      if is_typst() then
        local size
        tbl, size = proportional_widths(tbl)
        local parts = { tbl.head.rows }
        for _, body in ipairs(tbl.bodies) do
          table.insert(parts, body.body)
        end
        for _, rows in ipairs(parts) do
          for _, row in ipairs(rows) do
            for _, cell in ipairs(row.cells) do
              keep_dates(cell)
            end
          end
        end
        -- a short table is never split (no lone total row on the next page)
        local keep = body_rows(tbl) <= KEEP_ROWS and 'true' or 'false'
        return typst_call('zx-table(' .. size .. 'pt, keep: ' .. keep .. ')', { tbl })
      end
      if is_docx() then
        -- the size, for docx.py to set on the table's text (Word has no table-wide size)
        local size
        tbl, size = proportional_widths(tbl)
        return { tbl, pandoc.RawBlock('openxml', '<!--zx-table-size ' .. size .. '-->') }
      end
      return auto_widths(tbl)
    end,
  }:walk {
    Figure = function(fig)
      if is_typst() and has_image(fig) then
        return typst_call('zx-chart', { fig })
      end
      return nil
    end,
    Div = function(div)
      if is_typst() and div.classes:includes('provenance') then
        return typst_call('zx-keep', div.content)
      end
      return nil
    end,
  }
end
