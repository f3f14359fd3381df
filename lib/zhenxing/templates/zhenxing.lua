--[[
zhenxing.lua: pandoc Lua filter used by zhenxing.render for every format.

1. Heading levels. Reports write their sections as `## 一、…` because the title is
   passed separately. The filter shifts every heading so that the topmost level
   becomes 2 in HTML and Typst (the title is the h1 / document title) and 1 in
   DOCX (the title has Word's "Title" style, sections are "Heading 1"…). The
   metadata field `zx-top-level` overrides that choice.
2. Tables. A table without a header row gets its first row promoted to the
   header, so every table has header cells; column widths are left to the
   writer (content-sized), not taken from the separator line's dashes. In HTML every header cell gets
   scope="col" and the table is wrapped in a focusable, labelled region that
   scrolls horizontally on narrow screens.
3. Images. An image without a text alternative is an error: every chart must
   state its numbers in words (reporting spec, accessibility).
]]

local stringify = pandoc.utils.stringify

local function is_html()
  return FORMAT:match('html') ~= nil
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

local function html_table(tbl)
  for _, row in ipairs(tbl.head.rows) do
    for _, cell in ipairs(row.cells) do
      cell.attributes.scope = 'col'
    end
  end
  local label = stringify(tbl.caption.long)
  if label == '' then
    label = '数据表'
  end
  return pandoc.Div({ tbl }, pandoc.Attr('', { 'table-wrap' }, {
    role = 'region',
    tabindex = '0',
    ['aria-label'] = label,
  }))
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
  return nil
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

function Pandoc(doc)
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
      tbl = auto_widths(ensure_header(tbl))
      if is_html() then
        return html_table(tbl)
      end
      return tbl
    end,
  }
end
