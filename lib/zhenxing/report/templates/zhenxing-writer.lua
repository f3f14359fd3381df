--[[
zhenxing-writer.lua: a pandoc custom writer that writes the HTML, the Typst source and
the DOCX of one report from one parse of its Markdown (render.py runs it instead of a
pandoc process per format, each parsing the same text). For each format it runs the
filter zhenxing.lua exactly as `pandoc --to <format> --lua-filter zhenxing.lua` would
(FORMAT set to the format's name), then pandoc's own writer:

- html5: standalone with the template `zx-html-template`, self-contained as
  `--embed-resources` makes it: the stylesheet `zx-css` inlined, every local image a
  data: URI with role="img" and its alt text as aria-label (as pandoc does);
- typst: standalone with the template `zx-typst-template` and the variables given
  (serif-font, sans-font, …); every local image copied into `zx-media` under the
  SHA-1 of its bytes (as --extract-media does) and referenced there;
- docx: with the reference document `zx-reference-doc`.

Variables: zx-filter, zx-html / zx-typst / zx-docx (output paths, each optional),
zx-html-template, zx-css, zx-typst-template, zx-media, zx-reference-doc. Returns
nothing itself.
]]

local function var(opts, name)
  local v = opts.variables[name]
  if v == nil then
    return nil
  end
  return tostring(v)
end

local function filtered(doc, path, format)
  local env = setmetatable({ FORMAT = format }, { __index = _G })
  local chunk = assert(loadfile(path, 't', env))
  chunk()
  return env.Pandoc(doc:clone())
end

local function read(path)
  local fh = assert(io.open(path, 'rb'))
  local text = fh:read('a')
  fh:close()
  return text
end

local function write(path, bytes)
  local fh = assert(io.open(path, 'wb'))
  fh:write(bytes)
  fh:close()
end

-- Calls `change(img, mime, contents)` for every local image (not a URL) of the document,
-- with the image's bytes; returns the document with the images it returned.
local function each_local_image(doc, change)
  return doc:walk {
    Image = function(img)
      if img.src:match('^%a[%w+.-]*:') then
        return nil
      end
      local mime, contents = pandoc.mediabag.fetch(img.src)
      return change(img, mime, contents)
    end,
  }
end

local function extract_media(doc, dir)
  local done = {}
  return each_local_image(doc, function(img, _, contents)
    local name = img.src
    if name:match('^/') or name:match('%.%.') then  -- kept under its own name otherwise
      local ext = img.src:match('%.([%w]+)$')
      name = pandoc.utils.sha1(contents) .. (ext and ('.' .. ext) or '')
    end
    if not done[name] then
      pandoc.system.make_directory(pandoc.path.directory(dir .. '/' .. name), true)
      write(dir .. '/' .. name, contents)
      done[name] = true
    end
    img.src = dir .. '/' .. name
    return img
  end)
end

local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

local function base64(bytes)
  local out = {}
  for i = 1, #bytes, 3 do
    local a, b, c = bytes:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local s = {}
    for k = 1, 4 do
      local j = (n >> (6 * (4 - k))) & 63
      s[k] = B64:sub(j + 1, j + 1)
    end
    if not b then
      s[3], s[4] = '=', '='
    elseif not c then
      s[4] = '='
    end
    out[#out + 1] = table.concat(s)
  end
  return table.concat(out)
end

local function embed_media(doc)
  return each_local_image(doc, function(img, mime, contents)
    if img.src:lower():match('%.svg$') then
      mime = 'image/svg+xml'
    end
    img.attributes.role = 'img'
    img.attributes['aria-label'] = img.attributes.alt or pandoc.utils.stringify(img.caption)
    img.src = 'data:' .. (mime or 'application/octet-stream') .. ';base64,' .. base64(contents)
    return img
  end)
end

function ByteStringWriter(doc, opts)
  local filter = var(opts, 'zx-filter')
  local html = var(opts, 'zx-html')
  if html then
    local d = filtered(doc, filter, 'html5')
    d = embed_media(d)
    local variables = opts.variables
    variables['zx-style'] = read(var(opts, 'zx-css'))
    local wopts = pandoc.WriterOptions {
      template = pandoc.template.compile(read(var(opts, 'zx-html-template'))),
      variables = variables,
    }
    write(html, pandoc.write(d, 'html5', wopts))
  end
  local typ = var(opts, 'zx-typst')
  if typ then
    local d = filtered(doc, filter, 'typst')
    d = extract_media(d, var(opts, 'zx-media'))
    local wopts = pandoc.WriterOptions {
      template = pandoc.template.compile(read(var(opts, 'zx-typst-template'))),
      variables = opts.variables,
    }
    write(typ, pandoc.write(d, 'typst', wopts))
  end
  local docx = var(opts, 'zx-docx')
  if docx then
    local d = filtered(doc, filter, 'docx')
    local wopts = pandoc.WriterOptions {
      reference_doc = var(opts, 'zx-reference-doc'),
      variables = opts.variables,
    }
    write(docx, pandoc.write(d, 'docx', wopts))
  end
  return ''
end
