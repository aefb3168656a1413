-- demo-module.sql: the optional demo module, GET <base>/demo/hello answering {"current_user": "<sub>"},
-- one section per package. ORDS.DEFINE_MODULE replaces a module of the same name, so create and update
-- are the same calls; the runner re-links the privilege afterwards.

-- @section ords.define
ords.define_module(
  p_module_name => :demo_module_name,
  p_base_path   => :demo_base_path,
  p_status      => :demo_status,
  p_comments    => :demo_comments);
ords.define_template(
  p_module_name => :demo_module_name,
  p_pattern     => :demo_pattern,
  p_comments    => :demo_comments);
ords.define_handler(
  p_module_name => :demo_module_name,
  p_pattern     => :demo_pattern,
  p_method      => :demo_method,
  p_source_type => ords.source_type_query_one_row,
  p_source      => :demo_source,
  p_comments    => :demo_comments);

-- @section ords.delete
ords.delete_module(
  p_module_name => :demo_module_name);

-- @section ords_admin.define
ords_admin.define_module(
  p_schema      => :schema,
  p_module_name => :demo_module_name,
  p_base_path   => :demo_base_path,
  p_status      => :demo_status,
  p_comments    => :demo_comments);
ords_admin.define_template(
  p_schema      => :schema,
  p_module_name => :demo_module_name,
  p_pattern     => :demo_pattern,
  p_comments    => :demo_comments);
ords_admin.define_handler(
  p_schema      => :schema,
  p_module_name => :demo_module_name,
  p_pattern     => :demo_pattern,
  p_method      => :demo_method,
  p_source_type => ords_admin.source_type_query_one_row,
  p_source      => :demo_source,
  p_comments    => :demo_comments);

-- @section ords_admin.delete
ords_admin.delete_module(
  p_schema      => :schema,
  p_module_name => :demo_module_name);
