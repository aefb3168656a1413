-- apply.sql: the one anonymous block that applies a plan (or a teardown) in a single round trip. The runner
-- puts the planned steps, sections of jwt-profile.sql, privilege.sql and demo-module.sql, where the
-- "@steps" line stands, in plan order. The block commits at the end; any error rolls every step back and
-- is raised unchanged, so nothing is ever half-applied.
--
-- Lists (roles, patterns, modules) arrive as JSON arrays in binds and are unpacked into owa.vc_arr here,
-- so every value stays a bind.
declare
  l_names    owa.vc_arr;
  l_roles    owa.vc_arr;
  l_patterns owa.vc_arr;
  l_modules  owa.vc_arr;

  -- Fills an owa.vc_arr (1-based) from a JSON array of strings.
  procedure fill(p_json in varchar2, p_into in out nocopy owa.vc_arr) is
    l_array json_array_t := json_array_t.parse(p_json);
  begin
    p_into.delete;
    for i in 0 .. l_array.get_size - 1 loop
      p_into(i + 1) := l_array.get_string(i);
    end loop;
  end fill;
begin
  -- @steps
  commit;
exception
  when others then
    rollback;
    raise;
end;
